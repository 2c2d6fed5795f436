/* Two ONNX Runtime custom operators for Kokoro's decoder: AdaSnake (its AdaIN affine + Snake activation in
 * one pass) and Im2ColInt8 (a convolution input quantized to int8, padded and laid out as im2col columns in
 * one pass).
 *
 * AdaSnake:
 *
 * y = a + inv_alpha * sin(alpha * a)^2 with a = g * n + b (per-channel g, b, alpha, inv_alpha; n is [N, C, T]).
 * The exported model computes this as seven full-size operators (Mul, Add, Mul, Sin, Mul, Mul, Add), and
 * onnxruntime's Sin is scalar (about 2 ns per value, ten times a Mul): one pass with a vectorizable sin^2
 * costs about a tenth. sin^2 is exact to float precision (Cody-Waite reduction by pi/2, Cephes polynomials;
 * the square needs no sign).
 *
 * Im2ColInt8(x float [1, C, T], scale float, zero point int8, geometry int64 [taps, dilation, stride,
 * pad_lo, pad_hi]) -> [1, C x taps, T'] int8: column (c, j) at t is saturate(round(x[c][t * stride +
 * j * dilation - pad_lo] / scale) + zero point), the zero point in the padding: what QuantizeLinear, Pad,
 * one Slice per tap and a Concat gave (four passes over the columns), the quantization as onnxruntime's
 * (division by the scale, rounding half to even, saturation), so the integers are the same.
 *
 * Only the documented, append-only ONNX Runtime C ABI is used (version 1 of the API and of OrtCustomOp): the
 * slots of the few functions called are numbered in the SLOT_ definitions below.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct OrtStatus OrtStatus;
typedef struct OrtValue OrtValue;
typedef struct OrtKernelContext OrtKernelContext;
typedef struct OrtKernelInfo OrtKernelInfo;
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtCustomOpDomain OrtCustomOpDomain;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;
typedef void *OrtApiSlot;
typedef struct OrtApi { OrtApiSlot slot[256]; } OrtApi;
typedef struct OrtApiBase {
  const OrtApi *(*GetApi)(uint32_t version);
  const char *(*GetVersionString)(void);
} OrtApiBase;

/* the index of each function used in struct OrtApi (version 1 members) */
#define SLOT_CreateCustomOpDomain 26
#define SLOT_CustomOpDomain_Add 27
#define SLOT_AddCustomOpDomain 28
#define SLOT_GetTensorMutableData 51
#define SLOT_GetDimensionsCount 61
#define SLOT_GetDimensions 62
#define SLOT_GetTensorTypeAndShape 65
#define SLOT_ReleaseTensorTypeAndShapeInfo 99
#define SLOT_KernelContext_GetInput 90
#define SLOT_KernelContext_GetOutput 91
#define CALL(api, name, type) ((type)(api)->slot[SLOT_##name])

typedef OrtStatus *(*CreateCustomOpDomainFn)(const char *, OrtCustomOpDomain **);
typedef OrtStatus *(*CustomOpDomainAddFn)(OrtCustomOpDomain *, const void *);
typedef OrtStatus *(*AddCustomOpDomainFn)(OrtSessionOptions *, OrtCustomOpDomain *);
typedef OrtStatus *(*GetTensorMutableDataFn)(OrtValue *, void **);
typedef OrtStatus *(*GetDimensionsCountFn)(const OrtTensorTypeAndShapeInfo *, size_t *);
typedef OrtStatus *(*GetDimensionsFn)(const OrtTensorTypeAndShapeInfo *, int64_t *, size_t);
typedef OrtStatus *(*GetTensorTypeAndShapeFn)(const OrtValue *, OrtTensorTypeAndShapeInfo **);
typedef void (*ReleaseTensorTypeAndShapeInfoFn)(OrtTensorTypeAndShapeInfo *);
typedef OrtStatus *(*KernelContextGetInputFn)(const OrtKernelContext *, size_t, const OrtValue **);
typedef OrtStatus *(*KernelContextGetOutputFn)(OrtKernelContext *, size_t, const int64_t *, size_t, OrtValue **);

typedef struct OrtCustomOp {
  uint32_t version;
  void *(*CreateKernel)(const struct OrtCustomOp *op, const OrtApi *api, const OrtKernelInfo *info);
  const char *(*GetName)(const struct OrtCustomOp *op);
  const char *(*GetExecutionProviderType)(const struct OrtCustomOp *op);
  int (*GetInputType)(const struct OrtCustomOp *op, size_t index);
  size_t (*GetInputTypeCount)(const struct OrtCustomOp *op);
  int (*GetOutputType)(const struct OrtCustomOp *op, size_t index);
  size_t (*GetOutputTypeCount)(const struct OrtCustomOp *op);
  void (*KernelCompute)(void *op_kernel, OrtKernelContext *context);
  void (*KernelDestroy)(void *op_kernel);
  /* read by onnxruntime whatever the version says */
  int (*GetInputCharacteristic)(const struct OrtCustomOp *op, size_t index);
  int (*GetOutputCharacteristic)(const struct OrtCustomOp *op, size_t index);
  /* read only for the versions that added them (this op says version 1): left empty */
  void *later_members[24];
} OrtCustomOp;

#define FLOAT_TYPE 1 /* ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT */
#define INT8_TYPE 3  /* ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 */
#define INT64_TYPE 7 /* ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 */
#define INPUTS 5
#define MAX_RANK 8

/* sin(t)^2 for a float t: t = k * pi/2 + r with |r| <= pi/4; sin^2 t is sin^2 r for even k, cos^2 r for odd */
static inline float sin_squared(float t) {
  /* round to nearest by the 1.5 x 2^23 shift (vectorizes on every instruction set; |t| < 6e6) */
  const float k = (t * 0.636619772367581343f + 12582912.0f) - 12582912.0f;
  const float r = ((t - k * 1.5703125f) - k * 4.837512969970703125e-4f) - k * 7.54978995489188216e-8f;
  const float z = r * r;
  const float s = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
  const float c = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z -
                  0.5f * z + 1.0f;
  /* select without a branch (the loop vectorizes on every instruction set): all ones for odd k */
  const uint32_t odd = 0u - ((uint32_t)(int32_t)k & 1u);
  union { float f; uint32_t u; } sine = {s * s}, cosine = {c * c};
  sine.u = (sine.u & ~odd) | (cosine.u & odd);
  return sine.f;
}

/* one channel's row: the loop the compiler vectorizes (a clone per instruction set, chosen at load) */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void ada_snake_row(
    const float *restrict n, float *restrict y, ptrdiff_t count, float g, float b, float alpha, float inv) {
  for (ptrdiff_t i = 0; i < count; ++i) {
    const float a = g * n[i] + b;
    y[i] = a + inv * sin_squared(alpha * a);
  }
}

static size_t element_count(const int64_t *dims, size_t rank) {
  size_t count = 1;
  for (size_t i = 0; i < rank; ++i) count *= (size_t)(dims[i] > 0 ? dims[i] : 0);
  return count;
}

typedef struct Kernel { const OrtApi *api; } Kernel;
static Kernel kernel_state;

static void *create_kernel(const OrtCustomOp *op, const OrtApi *api, const OrtKernelInfo *info) {
  (void)op;
  (void)info;
  kernel_state.api = api;
  return &kernel_state;
}

/* shape of a value; false when onnxruntime reports an error (nothing is computed then) */
static int shape_of(const OrtApi *api, const OrtValue *value, int64_t *dims, size_t *rank) {
  OrtTensorTypeAndShapeInfo *info = NULL;
  if (CALL(api, GetTensorTypeAndShape, GetTensorTypeAndShapeFn)(value, &info) != NULL) return 0;
  int ok = CALL(api, GetDimensionsCount, GetDimensionsCountFn)(info, rank) == NULL && *rank <= MAX_RANK &&
           CALL(api, GetDimensions, GetDimensionsFn)(info, dims, *rank) == NULL;
  CALL(api, ReleaseTensorTypeAndShapeInfo, ReleaseTensorTypeAndShapeInfoFn)(info);
  return ok;
}

static void compute(void *op_kernel, OrtKernelContext *context) {
  const OrtApi *api = ((Kernel *)op_kernel)->api;
  const OrtValue *inputs[INPUTS];
  const float *data[INPUTS];
  size_t counts[INPUTS];
  int64_t dims[MAX_RANK], pdims[MAX_RANK];
  size_t rank = 0, prank = 0;
  for (size_t i = 0; i < INPUTS; ++i) {
    void *p = NULL;
    if (CALL(api, KernelContext_GetInput, KernelContextGetInputFn)(context, i, &inputs[i]) != NULL) return;
    if (CALL(api, GetTensorMutableData, GetTensorMutableDataFn)((OrtValue *)inputs[i], &p) != NULL) return;
    data[i] = (const float *)p;
    if (i == 0) {
      if (!shape_of(api, inputs[i], dims, &rank)) return;
      counts[i] = element_count(dims, rank);
    } else {
      if (!shape_of(api, inputs[i], pdims, &prank)) return;
      counts[i] = element_count(pdims, prank);
    }
  }
  OrtValue *output = NULL;
  void *out = NULL;
  if (CALL(api, KernelContext_GetOutput, KernelContextGetOutputFn)(context, 0, dims, rank, &output) != NULL) return;
  if (CALL(api, GetTensorMutableData, GetTensorMutableDataFn)(output, &out) != NULL) return;
  /* [N, C, T]: per-channel parameters hold C (or N x C, or 1) values; a row is T values */
  const size_t total = counts[0];
  const size_t rows = rank >= 2 ? (size_t)dims[0] * (size_t)dims[1] : 1;
  const size_t width = rows ? total / rows : 0;
  for (size_t row = 0; row < rows; ++row) {
    float p[INPUTS];
    for (size_t i = 1; i < INPUTS; ++i) p[i] = counts[i] ? data[i][row % counts[i]] : 0.0f;
    ada_snake_row(data[0] + row * width, (float *)out + row * width, (ptrdiff_t)width, p[1], p[2], p[3], p[4]);
  }
}

static void destroy_kernel(void *op_kernel) { (void)op_kernel; }
static const char *op_name(const OrtCustomOp *op) { (void)op; return "AdaSnake"; }
static const char *op_provider(const OrtCustomOp *op) { (void)op; return NULL; }
static int float_type(const OrtCustomOp *op, size_t index) { (void)op; (void)index; return FLOAT_TYPE; }
static size_t input_count(const OrtCustomOp *op) { (void)op; return INPUTS; }
static size_t output_count(const OrtCustomOp *op) { (void)op; return 1; }

static int required(const OrtCustomOp *op, size_t index) { (void)op; (void)index; return 0; /* INPUT_OUTPUT_REQUIRED */ }

static const OrtCustomOp ada_snake_op = {
    1, create_kernel, op_name, op_provider, float_type, input_count, float_type, output_count, compute, destroy_kernel,
    required, required, {0}};

/* --- Im2ColInt8 ------------------------------------------------------------------------------------- */

/* one row quantized as onnxruntime's QuantizeLinear does: x / scale, clamped to the int8 range less the
 * zero point, rounded half to even (the 1.5 x 2^23 shift; |v| <= 255 here), plus the zero point */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void quantize_row(
    const float *restrict x, int8_t *restrict q, ptrdiff_t count, float scale, float zero) {
  const float low = -128.0f - zero, high = 127.0f - zero;
  for (ptrdiff_t i = 0; i < count; ++i) {
    float v = x[i] / scale;
    v = v < low ? low : v;
    v = v > high ? high : v;
    v = (v + 12582912.0f) - 12582912.0f;
    q[i] = (int8_t)(int32_t)(v + zero);
  }
}

static void im2col_compute(void *op_kernel, OrtKernelContext *context) {
  const OrtApi *api = ((Kernel *)op_kernel)->api;
  const OrtValue *inputs[4];
  void *data[4];
  int64_t dims[MAX_RANK], gdims[MAX_RANK];
  size_t rank = 0, grank = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (CALL(api, KernelContext_GetInput, KernelContextGetInputFn)(context, i, &inputs[i]) != NULL) return;
    if (CALL(api, GetTensorMutableData, GetTensorMutableDataFn)((OrtValue *)inputs[i], &data[i]) != NULL) return;
  }
  if (!shape_of(api, inputs[0], dims, &rank) || rank != 3 || dims[0] != 1) return;
  if (!shape_of(api, inputs[3], gdims, &grank) || element_count(gdims, grank) != 5) return;
  const int64_t *geometry = (const int64_t *)data[3];
  const int64_t taps = geometry[0], dilation = geometry[1], stride = geometry[2];
  const int64_t pad_lo = geometry[3], pad_hi = geometry[4];
  const int64_t channels = dims[1], length = dims[2];
  const int64_t padded = length + pad_lo + pad_hi;
  const int64_t span = dilation * (taps - 1);
  if (taps < 1 || dilation < 1 || stride < 1 || pad_lo < 0 || pad_hi < 0) return;
  const int64_t columns = padded > span ? (padded - span - 1) / stride + 1 : 0;
  int64_t out_dims[3] = {1, channels * taps, columns};
  OrtValue *output = NULL;
  void *out = NULL;
  if (CALL(api, KernelContext_GetOutput, KernelContextGetOutputFn)(context, 0, out_dims, 3, &output) != NULL) return;
  if (CALL(api, GetTensorMutableData, GetTensorMutableDataFn)(output, &out) != NULL) return;
  if (columns == 0 || channels == 0) return;
  const float scale = *(const float *)data[1];
  const int8_t zero = *(const int8_t *)data[2];
  int8_t *row = malloc((size_t)padded);
  if (row == NULL) return;
  memset(row, zero, (size_t)pad_lo);
  memset(row + pad_lo + length, zero, (size_t)pad_hi);
  const float *x = (const float *)data[0];
  int8_t *cols = (int8_t *)out;
  for (int64_t c = 0; c < channels; ++c) {
    quantize_row(x + c * length, row + pad_lo, (ptrdiff_t)length, scale, (float)zero);
    for (int64_t j = 0; j < taps; ++j) {
      const int8_t *from = row + j * dilation;
      int8_t *to = cols + (c * taps + j) * columns;
      if (stride == 1) {
        memcpy(to, from, (size_t)columns);
      } else {
        for (int64_t t = 0; t < columns; ++t) to[t] = from[t * stride];
      }
    }
  }
  free(row);
}

static const char *im2col_name(const OrtCustomOp *op) { (void)op; return "Im2ColInt8"; }
static int im2col_input_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  static const int types[4] = {FLOAT_TYPE, FLOAT_TYPE, INT8_TYPE, INT64_TYPE};
  return index < 4 ? types[index] : FLOAT_TYPE;
}
static size_t im2col_input_count(const OrtCustomOp *op) { (void)op; return 4; }
static int int8_type(const OrtCustomOp *op, size_t index) { (void)op; (void)index; return INT8_TYPE; }

static const OrtCustomOp im2col_op = {
    1, create_kernel, im2col_name, op_provider, im2col_input_type, im2col_input_count, int8_type, output_count,
    im2col_compute, destroy_kernel, required, required, {0}};

/* called by SessionOptions.register_custom_ops_library */
__attribute__((visibility("default"))) OrtStatus *RegisterCustomOps(OrtSessionOptions *options, const OrtApiBase *base) {
  const OrtApi *api = base->GetApi(1);
  OrtCustomOpDomain *domain = NULL;
  OrtStatus *status = CALL(api, CreateCustomOpDomain, CreateCustomOpDomainFn)("ai.syncnarrator", &domain);
  if (status != NULL) return status;
  status = CALL(api, CustomOpDomain_Add, CustomOpDomainAddFn)(domain, &ada_snake_op);
  if (status != NULL) return status;
  status = CALL(api, CustomOpDomain_Add, CustomOpDomainAddFn)(domain, &im2col_op);
  if (status != NULL) return status;
  return CALL(api, AddCustomOpDomain, AddCustomOpDomainFn)(options, domain);
}

/* the same sin^2 for tests (ctypes): y[i] = sin(t[i])^2 */
__attribute__((visibility("default"))) void syncnarrator_sin_squared(const float *t, float *y, ptrdiff_t count) {
  for (ptrdiff_t i = 0; i < count; ++i) y[i] = sin_squared(t[i]);
}
