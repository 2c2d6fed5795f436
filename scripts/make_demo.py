"""Build the bundled demo (resources/demo/): a short generated product ad and its product knowledge.

    .venv/bin/python scripts/make_demo.py

Four shots of ffmpeg lavfi patterns with Chinese captions (hard cuts between them), a soft music-like
bed under them so ducking is audible, and `demo.product.json` beside the video, which the editor loads
with it. Deterministic and small (a few hundred KB).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.ffmpeg_exec import ffmpeg_path  # noqa: E402

OUT = ROOT / "resources" / "demo"
SIZE = "480x270"
RATE = 25
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
SHOTS = (
    ("gradients=c0=0xf7c6d9:c1=0x8e5ea2:speed=0.02:type=radial", 2.4, "澜肌 轻盈保湿精华"),
    ("mandelbrot=maxiter=120:start_scale=2.5:end_scale=0.6", 2.0, "质地轻薄 一抹即化"),
    ("gradients=c0=0x2a6fdb:c1=0x7fe0ff:c2=0x1b2a6b:n=3:speed=0.04:type=spiral", 1.8, "24小时长效补水"),
    ("gradients=c0=0xff9a3c:c1=0xffd56b:speed=0.03", 2.2, "今晚下单 买一送一"),
)
PRODUCT = {
    "name": "澜肌轻盈保湿精华液",
    "attributes": {
        "痛点": "换季干燥、脸部紧绷、起皮、上妆卡粉",
        "适用人群/肤质": "干皮、混合肌、敏感肌可用",
        "外观": "粉色玻璃瓶、滴管设计",
        "质地": "轻薄、水润、一抹即化、不黏腻",
        "成分/材质": "透明质酸、神经酰胺、积雪草提取物",
        "功效": "长效补水、修护屏障、提亮肤色",
        "活动优惠": "买一送一、今晚下单立减50元、赠同款小样",
        "售后服务": "七天无理由退换、运费险",
    },
}


def font() -> str | None:
    return next((f for f in FONT_CANDIDATES if Path(f).is_file()), None)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    fontfile = font()
    args: list[str] = []
    for src, dur, _ in SHOTS:
        args += ["-f", "lavfi", "-i", f"{src}:size={SIZE}:rate={RATE}" + (":duration=" + str(dur) if not src.startswith("mandelbrot") else "")]  # fmt: skip
    chain = []
    for i, (_, dur, caption) in enumerate(SHOTS):
        f = f"[{i}:v]trim=duration={dur},setpts=PTS-STARTPTS,format=yuv420p,setsar=1"
        if fontfile:
            f += (f",drawtext=fontfile='{fontfile}':text='{caption}':fontcolor=white:fontsize=30"
                  ":borderw=2:bordercolor=black@0.6:x=(w-text_w)/2:y=h*0.18")  # fmt: skip
        chain.append(f + f"[v{i}]")
    n = len(SHOTS)
    total = sum(d for _, d, _ in SHOTS)
    graph = ";".join(chain) + ";" + "".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
    audio = (f"sine=frequency=220:duration={total}:sample_rate=44100,volume=0.08[a1];"
             f"sine=frequency=330:duration={total}:sample_rate=44100,volume=0.05[a2];"
             "[a1][a2]amix=inputs=2,tremolo=f=2:d=0.5[a]")  # fmt: skip
    video = OUT / "demo.mp4"
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", *args, "-filter_complex", graph + ";" + audio,
           "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "slow", "-crf", "32", "-g", "50",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-movflags", "+faststart",
           "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1",
           str(video)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, timeout=300)
    if proc.returncode != 0:
        print(proc.stderr.decode("utf-8", "replace")[-2000:], file=sys.stderr)
        return 1
    product = OUT / "demo.product.json"
    product.write_text(json.dumps(PRODUCT, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {video} ({video.stat().st_size // 1024} KB) and {product}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
