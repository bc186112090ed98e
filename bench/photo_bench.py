"""Photos per second: offline_queue.photos.normalise against a naive Pillow pipeline, in the same run.

The naive baseline is what one writes first: Image.open, full decode, ImageOps.exif_transpose,
centre crop to 3:4, LANCZOS resize to 600×800, JPEG save. normalise() decodes large JPEGs at a DCT
scale (draft mode), crops and resizes in one step, turns only the small result upright, and also
colour-manages and measures quality, which the baseline does not. Goal: ≥ 3× on a 12 MP photo.

Run: .venv/bin/python bench/photo_bench.py
"""
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from offline_queue.photos import normalise  # noqa: E402

OUT = (600, 800)


def scene(size):
    """A camera-like frame: graded background, shapes with edges, fine lines and sensor noise."""
    w, h = size
    ramp = Image.linear_gradient("L").resize(size)
    img = Image.merge("RGB", [ramp.point(lambda v: 80 + v // 3), ramp.point(lambda v: 100 + v // 4),
                              Image.new("L", size, 140)])
    draw = ImageDraw.Draw(img)
    draw.ellipse((w * 0.35, h * 0.15, w * 0.65, h * 0.6), fill=(224, 172, 140))
    draw.rectangle((w * 0.2, h * 0.62, w * 0.8, h), fill=(40, 50, 90))
    for x in range(0, w, max(4, w // 150)):
        draw.line((x, 0, x + w // 20, h * 0.2), fill=(60, 60, 60), width=max(1, w // 1500))
    noise = Image.merge("RGB", [Image.effect_noise(size, 6)] * 3)
    return ImageChops.add(img, noise, offset=-128)


def jpeg(img, orientation=1):
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def naive(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img)
    w, h = img.size
    cw, ch = (h * 3 / 4, h) if w * 4 > h * 3 else (w, w * 4 / 3)
    img = img.crop(((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2))
    img = img.resize(OUT, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()


def rates(data, seconds):
    """Photos per second of (naive, normalise): median CPU time of single runs, the two interleaved so
    that whatever else the machine is doing weighs on both alike (after one warm-up each)."""
    naive(data), normalise(data)
    times = {naive: [], normalise: []}
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times[naive]) < 5:
        for fn, spent in times.items():
            t0 = time.process_time()
            fn(data)
            spent.append(time.process_time() - t0)
    return 1 / statistics.median(times[naive]), 1 / statistics.median(times[normalise]), len(times[naive])


def main():
    cases = [
        ("12 MP (4000×3000) taken upright: stored turned, EXIF orientation 6", jpeg(scene((4000, 3000)), 6), 6.0),
        ("12 MP (4000×3000), orientation 1", jpeg(scene((4000, 3000)), 1), 6.0),
        ("1200×1600 (the size issue 14's ingest goal names)", jpeg(scene((1200, 1600)), 1), 3.0),
        ("600×800 (the card portrait, as the tablet app sends it)", jpeg(scene((600, 800)), 1), 3.0),
    ]
    print(f"one thread, CPU time per photo; Pillow {Image.__version__}")
    for name, data, seconds in cases:
        base, ours, runs = rates(data, seconds)
        print(f"{name}  [{len(data) / 1e6:.1f} MB JPEG, {runs} runs each]")
        print(f"  naive     {base:7.1f} photos/s  ({1000 / base:6.1f} ms CPU)")
        print(f"  normalise {ours:7.1f} photos/s  ({1000 / ours:6.1f} ms CPU)")
        print(f"  ratio     {ours / base:7.2f}×")


if __name__ == "__main__":
    main()
