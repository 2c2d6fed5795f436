"""`./run bench voice [--lines N] [--voices ID,ID] [--calibrate]`: the speech engines side by side.

Per engine, each in a fresh process (so load time and memory are its own): load time (model / voice ready),
real-time factor (synthesis wall time / audio time, lower is faster; CPU RTF: CPU seconds per second of audio,
steadier on a busy machine), characters per second spoken at the voice's
natural rate, peak memory (the process, and espeak-ng's own processes). The baseline is espeak-ng, measured
in the same run; ratios are against it.

Then each line is fitted into a clip 1.2x shorter than its natural length (Speaker.fit, cold cache): the
syntheses per line that takes (goal about 1, at most 2) and its CPU-seconds per second of fitted speech.

A voice id ending in `@shipped` (`kokoro:jf_alpha@shipped`) runs Kokoro's model as it ships
(SYNCNARRATOR_KOKORO_CONVS=shipped), the baseline of its rewrites; `@matmul` runs the rewritten convolutions
without the fused activations (core.speech.kokoro_convs, without core.speech.kokoro_ops); the `convs`
column says which ran.

`--calibrate` measures the calibration of Kokoro's bundled voices (what core.speech.kokoro.KNOWN_CALIBRATIONS
holds) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LINES = (
    "这支口红颜色很显白，黄皮也能放心涂。",
    "质地水润，上嘴不拔干。",
    "它是316不锈钢内胆，安全又耐用。",
    "限时直降50元，库存不多了。",
    "你是不是也有黑眼圈的困扰？",
    "这款空气炸锅5升大容量，到手价199元，双11下单立减50%",
    "OPPO手机支持5G，5000mAh大电池，67W快充。",
    "VC含量高达20%，提亮肤色。",
    "大容量设计，一家人都够用。",
    "点击小黄车，马上下单吧。",
)

DEFAULT_VOICES = ("kokoro:jf_alpha", "kokoro:jm_kumo", "kokoro:jf_alpha@shipped", "espeak:cmn-latn-pinyin")


def worker(voice: str, lines: int) -> dict[str, object]:
    """Runs in its own process: load, then speak the lines once each (no cache)."""
    sys.path.insert(0, str(ROOT))
    voice, _, variant = voice.partition("@")
    if variant:
        os.environ["SYNCNARRATOR_KOKORO_CONVS"] = variant  # shipped | matmul
    from core.speech.audio import read_wav, trim_silence
    from core.speech.voices import resolve_voice

    started = time.perf_counter()
    engine, local, vid = resolve_voice(voice)
    load = getattr(engine, "load", None)
    if load is not None:
        load()
    if hasattr(engine, "mandarin_voice"):
        engine.mandarin_voice()
    load_s = time.perf_counter() - started
    texts = LINES[:lines]
    audio_s = synth_s = cpu_s = 0.0
    chars = 0
    natural: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(texts):
            out = Path(tmp) / f"{i}.wav"
            t0, c0 = time.perf_counter(), _cpu()
            engine.synthesize(text, out, voice=local)
            synth_s += time.perf_counter() - t0
            cpu_s += _cpu() - c0
            samples, rate = read_wav(out)
            audio_s += samples.size / rate
            natural.append(trim_silence(samples, rate).size / rate)  # what Speaker.fit measures
            chars += len(text)
        os.environ["SYNCNARRATOR_CACHE_DIR"] = str(Path(tmp) / "cache")
        from core.speech import Speaker

        speaker = Speaker(engine)
        speaker.calibration(local)
        speaker.syntheses = 0  # espeak-ng's calibration is measured once per voice, not per line
        fitted_s = fit_cpu = 0.0
        fits_ok = 0
        for text, seconds in zip(texts, natural):
            clip_ms = round(seconds * 1000 / 1.2) + 250
            c0 = _cpu()
            fit = speaker.fit(text, clip_ms, voice=local, rate_cps=speaker.calibration(local).cps_at(engine.default_rate))
            fit_cpu += _cpu() - c0
            fitted_s += fit.duration_ms / 1000
            fits_ok += fit.fits
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "voice": vid + (f"@{variant}" if variant else ""),
        "engine": engine.name,
        "convs": getattr(engine, "convs", "") or "-",
        "load_s": load_s,
        "rtf": synth_s / max(audio_s, 1e-9),
        "cpu_rtf": cpu_s / max(audio_s, 1e-9),
        "cps": chars / max(audio_s, 1e-9),
        "audio_s": audio_s,
        "synth_s": synth_s,
        "peak_mib": max(own, children),
        "lines": len(texts),
        "syntheses_per_line": speaker.syntheses / max(1, len(texts)),
        "fit_cpu_rtf": fit_cpu / max(fitted_s, 1e-9),
        "fitted": fits_ok,
    }


def _cpu() -> float:
    """CPU seconds of this process and its finished children (espeak-ng runs as a child)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def calibrate() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ["SYNCNARRATOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-voice-")
    from core.speech import Speaker
    from core.speech.kokoro import BUNDLED_VOICES, KokoroEngine

    class Measuring(KokoroEngine):
        def known_calibration(self, voice: str) -> None:
            return None

    speaker = Speaker(Measuring())
    print("KNOWN_CALIBRATIONS = {")
    for voice in BUNDLED_VOICES:
        points = speaker.calibration(voice).points
        print(f"    {voice!r}: {tuple((r, round(c, 3)) for r, c in points)},", flush=True)
    print("}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench voice", description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=len(LINES), help=f"lines per voice (max {len(LINES)})")
    parser.add_argument("--voices", default=",".join(DEFAULT_VOICES), help="voice ids, comma separated")
    parser.add_argument("--calibrate", action="store_true", help="print the bundled Kokoro voices' calibration")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.calibrate:
        return calibrate()
    if args.worker:
        print(json.dumps(worker(args.worker, args.lines)))
        return 0
    results = []
    for voice in [v for v in args.voices.split(",") if v]:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", voice, "--lines", str(args.lines)],
            capture_output=True,
            text=True,
            timeout=1800,
            cwd=ROOT,
        )
        if proc.returncode != 0:
            print(f"{voice}: failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    base = next((r for r in results if r["engine"] == "espeak-ng"), None)
    print(
        f"{'voice':26} {'engine':10} {'convs':17} {'load s':>7} {'RTF':>6} {'CPU RTF':>8} {'chars/s':>8} {'peak MiB':>9}"
        f" {'synth/line':>10} {'fit CPU RTF':>11}  vs espeak-ng"
    )
    for r in results:
        ratio = f"RTF x{r['rtf'] / base['rtf']:.0f}" if base and base is not r and base["rtf"] > 0 else ""
        print(
            f"{r['voice']:26} {r['engine']:10} {r['convs']:17} {r['load_s']:7.2f} {r['rtf']:6.3f} {r['cpu_rtf']:8.3f} {r['cps']:8.2f} "
            f"{r['peak_mib']:9.0f} {r['syntheses_per_line']:10.2f} {r['fit_cpu_rtf']:11.3f}  {ratio}"
        )
    print(
        f"({results[0]['lines'] if results else 0} ad lines per voice, each engine in a fresh process; synth/line: "
        f"syntheses to fit each line 1.2x faster than natural; load average {os.getloadavg()[0]:.1f})"
    )
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
