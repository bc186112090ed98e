"""Camera frames of a chip ID card's QR code, for the scan test (Chromium's fake camera) and bench/qr_bench.py.

The card is drawn held at an angle (perspective and rotation), in poor light, with sensor noise and a little
blur, on a cluttered background; the frames are written as a Y4M video (the format Chromium's
--use-file-for-fake-video-capture plays in a loop): a header line, then per frame "FRAME" and the I420 planes.
"""
import unicodedata
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

WIDTH, HEIGHT = 1280, 720


def card_text(citizen_id: str, old_id: str, name: str, dob: str, gender: str, address: str, issued: str) -> str:
    """The QR text of a CCCD: ID|old ID|full name|DDMMYYYY|Nam/Nữ|address|DDMMYYYY."""
    return "|".join([citizen_id, old_id, name, dob, gender, address, issued])


def qr_image(text: str, scale: int = 5) -> Image.Image:
    """The QR code as the card prints it: UTF-8 bytes without an ECI marker, error correction M."""
    code = segno.make(text, encoding="utf-8", error="m", micro=False, boost_error=False)
    image = Image.new("L", (code.symbol_size(scale=scale)[0],) * 2, 255)
    draw = ImageDraw.Draw(image)
    border = 4 * scale
    for y, row in enumerate(code.matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle((border + x * scale, border + y * scale, border + (x + 1) * scale - 1,
                                border + (y + 1) * scale - 1), fill=0)
    return image.convert("RGB")


def card_image(text: str) -> Image.Image:
    """The front of the card: a pale card with a photo box, some lines of print and the QR code top right."""
    card = Image.new("RGB", (860, 540), (232, 236, 228))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 859, 70), fill=(196, 64, 52))
    draw.rectangle((40, 150, 230, 400), fill=(150, 160, 175))
    for i in range(7):
        draw.rectangle((260, 150 + i * 42, 260 + 300 - (i % 3) * 60, 170 + i * 42), fill=(70, 70, 80))
    qr = qr_image(text)
    qr = qr.resize((300, 300), Image.NEAREST)
    card.paste(qr, (540, 110))
    return card


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination (8×8: the perspective coefficients), without numpy."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _perspective(src: list[tuple], dst: list[tuple]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE): output point (dst) → input point (src)."""
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    return _solve(a, b)


def frame(text: str, corners: list[tuple], light: float = 0.55, noise: float = 28, seed: int = 0) -> Image.Image:
    """One 1280×720 camera frame with the card's corners at `corners` (tl, tr, br, bl)."""
    card = card_image(text)
    background = Image.new("RGB", (WIDTH, HEIGHT), (96, 84, 70))
    draw = ImageDraw.Draw(background)
    for i in range(12):  # a desk with things on it
        x = (i * 173 + seed * 41) % WIDTH
        draw.rectangle((x, (i * 97) % HEIGHT, x + 120, (i * 97) % HEIGHT + 60), fill=(120 + i * 5, 110, 90))
    coeffs = _perspective([(0, 0), (card.width, 0), (card.width, card.height), (0, card.height)], corners)
    warped = card.transform((WIDTH, HEIGHT), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    mask = Image.new("L", card.size, 255).transform((WIDTH, HEIGHT), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    background.paste(warped, (0, 0), mask)
    image = ImageEnhance.Brightness(background.filter(ImageFilter.GaussianBlur(0.8))).enhance(light)
    grain = Image.effect_noise((WIDTH, HEIGHT), noise).convert("RGB")
    return Image.blend(image, grain, 0.18)


# Where the card's corners are in each frame: tilted away at the top, turned, off centre.
POSES = [
    [(330, 150), (930, 110), (990, 560), (300, 600)],
    [(360, 120), (960, 170), (930, 610), (320, 560)],
    [(280, 180), (880, 120), (960, 580), (300, 640)],
    [(400, 140), (980, 140), (1020, 560), (360, 590)],
]


def frames(text: str) -> list[Image.Image]:
    return [frame(text, pose, light=0.5 + 0.05 * i, seed=i) for i, pose in enumerate(POSES)]


def write_y4m(path: Path, images: list[Image.Image], fps: int = 10) -> Path:
    """A YUV4MPEG2 file (4:2:0, full-range JPEG chroma siting) of the frames, in order."""
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for image in images:
            y, cb, cr = image.convert("YCbCr").split()
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            for plane in (cb, cr):
                out.write(plane.resize((WIDTH // 2, HEIGHT // 2), Image.BILINEAR).tobytes())
    return path


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)
