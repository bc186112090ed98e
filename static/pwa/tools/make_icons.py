"""Draw the app icons (a gold star on party red) with Pillow; run once, the PNGs are committed."""
import math
from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "icons"
RED, GOLD = (179, 38, 30), (255, 205, 0)


def star(size: int, radius_share: float) -> Image.Image:
    image = Image.new("RGB", (size, size), RED)
    draw = ImageDraw.Draw(image)
    cx = cy = size / 2
    outer = size * radius_share
    inner = outer * 0.382
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle) + size * 0.03))
    draw.polygon(points, fill=GOLD)
    return image


if __name__ == "__main__":
    ICONS.mkdir(exist_ok=True)
    star(192, 0.40).save(ICONS / "icon-192.png", optimize=True)
    star(512, 0.40).save(ICONS / "icon-512.png", optimize=True)
    # Maskable: the star stays inside the 80 % safe zone whatever shape the launcher cuts.
    star(512, 0.30).save(ICONS / "icon-maskable-512.png", optimize=True)
