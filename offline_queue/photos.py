"""Turn an uploaded photo into the card portrait: sniff, decode safely, orient, sRGB, 3:4, 600×800 JPEG.

Pure functions over bytes: no Flask, no database, no disk. What goes out is pixels only: no EXIF (so no
GPS), no XMP, no ICC profile (the pixels are sRGB), no comment. Only JPEG, PNG and WebP ever reach
Pillow, recognised by their magic bytes (never by the Content-Type a client claims), and an image is
measured from its header before any pixel is decoded, so a decompression bomb costs milliseconds.
"""
from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageFilter, ImageStat

from server.errors import DomainError

# A cut-off file is an error here, never a half-grey portrait printed on a card. Pillow's default too,
# set explicitly because it is process-wide and this is the module whose answers depend on it.
ImageFile.LOAD_TRUNCATED_IMAGES = False

OUT_SIZE = (600, 800)  # the card portrait, 3:4
JPEG_QUALITY = 88
# Huffman tables fitted to each portrait (optimize=True) make it ~6% smaller for a second pass over the
# coefficients: 2.5 of the 4 ms an encode costs. Standard tables are the default; the old setting stays
# callable for bench/ingest_bench.py's baseline.
OPTIMIZE_HUFFMAN = False
DEFAULT_MAX_PIXELS = 40_000_000  # above any phone's normal output; 160 MB of RGBA at worst

_ORIENTATION_TAG = 0x0112
# The EXIF orientation table of ImageOps.exif_transpose, applied here to the small output instead of the
# full-size source (same result, a fraction of the work).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.createProfile("sRGB")
_WHITE = (255, 255, 255)
# Second-difference (Laplacian) kernel; offset 128 keeps both signs inside 0..255 so the variance is honest.
_LAPLACIAN = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)

# Quality thresholds on the normalised 600×800 grey image. Calibrated on the sample photographs that
# scikit-image ships (astronaut, camera, coffee, motorcycle, ...): in focus they score 50–1000 for
# sharpness, the same blurred (Gaussian, radius 2 at source size) score under 12; darkened to a quarter
# their mean luma falls to 24–46.
BRIGHTNESS_RANGE = (50.0, 220.0)  # mean luma 0..255
MIN_CONTRAST = 20.0               # luma standard deviation
MIN_SHARPNESS = 20.0              # variance of the Laplacian (of the face region below)
_FACE_REGION = (0.25, 0.15, 0.75, 0.65)  # fractions of width and height: the head of a head-and-shoulders portrait


class PhotoTooLarge(DomainError):
    status, code, message = 413, "too_large", "The photo is over 10 MiB."


class HashMismatch(DomainError):
    status, code, message = 400, "hash_mismatch", "The body does not hash to the SHA-256 in the address."


class UnsupportedImage(DomainError):
    status, code, message = 415, "unsupported_image", "Only JPEG, PNG and WebP images are accepted."


class ImageTooLarge(DomainError):
    status, code, message = 422, "image_too_large", "The image has too many pixels."


class ImageCorrupt(DomainError):
    status, code, message = 422, "image_corrupt", "The image is damaged or incomplete."


@dataclass(frozen=True)
class NormalisedPhoto:
    """The stored portrait and what was learnt about the source on the way."""

    jpeg: bytes
    width: int
    height: int
    sha256: str
    quality: dict


def sniff(data: bytes) -> str:
    """The Pillow format name of `data` judged by its magic bytes alone, else UnsupportedImage."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise UnsupportedImage()


def normalise(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS,
              optimize: bool = OPTIMIZE_HUFFMAN) -> NormalisedPhoto:
    """Decode `data` and return the 600×800 sRGB JPEG portrait with its quality report."""
    fmt = sniff(data)
    try:
        img = Image.open(io.BytesIO(data), formats=[fmt])
        source_size = img.size
        if source_size[0] * source_size[1] > max_pixels:
            raise ImageTooLarge(f"The image is {source_size[0]}×{source_size[1]} pixels; "
                                f"at most {max_pixels:,} pixels are accepted.")
        orientation = _orientation(img)
        icc = img.info.get("icc_profile")
        img = _to_srgb(_crop_resize(img, orientation), icc)
        if orientation in _TRANSPOSE:
            img = img.transpose(_TRANSPOSE[orientation])
    except DomainError:
        raise
    except Image.DecompressionBombError as error:
        raise ImageTooLarge() from error
    except Exception as error:  # noqa: BLE001 - any decoder failure (OSError, SyntaxError, ValueError, ...)
        raise ImageCorrupt() from error
    jpeg = _encode(img, optimize)
    oriented = source_size[::-1] if orientation >= 5 else source_size
    return NormalisedPhoto(jpeg=jpeg, width=img.width, height=img.height,
                           sha256=hashlib.sha256(jpeg).hexdigest(), quality=assess(img, oriented))


def _orientation(img: Image.Image) -> int:
    try:
        value = int(img.getexif().get(_ORIENTATION_TAG, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block is no reason to refuse the pixels
        return 1
    return value if 1 <= value <= 8 else 1


def _crop_box(size: tuple[int, int], transposed: bool) -> tuple[float, float, float, float]:
    """The centred 3:4 portrait box in stored coordinates (portrait as the image will be shown)."""
    width, height = size[::-1] if transposed else size
    if width * 4 > height * 3:
        crop_w, crop_h = height * 3 / 4, float(height)
    else:
        crop_w, crop_h = float(width), width * 4 / 3
    if transposed:
        crop_w, crop_h = crop_h, crop_w
    left, top = (size[0] - crop_w) / 2, (size[1] - crop_h) / 2
    return left, top, left + crop_w, top + crop_h


def _crop_resize(img: Image.Image, orientation: int) -> Image.Image:
    """Crop and resize in the stored orientation, decoding a large JPEG at 1/2, 1/4 or 1/8 scale."""
    transposed = orientation >= 5
    target = OUT_SIZE[::-1] if transposed else OUT_SIZE
    box = _crop_box(img.size, transposed)
    factor = target[0] / (box[2] - box[0])  # output pixels per source pixel
    if img.format == "JPEG" and factor < 1:
        full = img.size
        # Ask for at least the needed size: libjpeg picks the smallest DCT scale that still covers it.
        img.draft("RGB", (math.ceil(full[0] * factor), math.ceil(full[1] * factor)))
        sx, sy = img.size[0] / full[0], img.size[1] / full[1]
        box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
    is_jpeg = img.format == "JPEG"
    img = _resizable(img)
    if is_jpeg:
        _refuse_cut_off_jpeg(img)
    if img.size == target and box == (0, 0, *target):
        return img  # decoded straight to the card size (a 1200×1600 photo at half scale): nothing to resample
    return img.resize(target, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _refuse_cut_off_jpeg(img: Image.Image) -> None:
    """A baseline JPEG cut short with an end-of-image marker appended decodes without an error: libjpeg only
    warns and fills the missing blocks with flat mid-grey (128), so the portrait would come out grey below
    the cut. No photograph ends in rows of exactly 128 in every channel: refuse it as image_corrupt."""
    img.load()
    strip = img.crop((0, img.height - 2, img.width, img.height))
    extrema = strip.getextrema()
    bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
    if all(band == (128, 128) for band in bands):
        raise ImageCorrupt()


def _resizable(img: Image.Image) -> Image.Image:
    """Bring any decoded mode to one LANCZOS can resize with 8 bits per channel (alpha kept for later)."""
    mode = img.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return img
    if mode.startswith("I;16") or mode == "I":
        # Pillow clips 16-bit grey to 255 when converting to L; scale 0..65535 to 0..255 instead.
        return img.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if mode in ("P", "PA"):
        return img.convert("RGBA" if mode == "PA" or "transparency" in img.info else "RGB")
    if mode == "1":
        return img.convert("L")
    return img.convert("RGB")


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels in sRGB, alpha flattened on white: the embedded profile if any and usable, else assume sRGB."""
    alpha = img.getchannel("A") if img.mode in ("RGBA", "LA") else None
    if alpha is not None:
        img = img.convert(img.mode[:-1])
    out = None
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out = ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGB")
        except Exception:  # noqa: BLE001 - a broken or mismatched profile: keep the pixels as they are
            out = None
    if out is None:
        out = img if img.mode == "RGB" else img.convert("RGB")  # RGB already: no copy
    if alpha is not None:
        page = Image.new("RGB", out.size, _WHITE)
        page.paste(out, mask=alpha)
        out = page
    return out


def _encode(img: Image.Image, optimize: bool) -> bytes:
    """JPEG with pixels only: no EXIF, ICC, XMP or comment (Pillow would copy a source comment from info)."""
    img.info = {}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=optimize)
    return out.getvalue()


def _verdict(ok: bool) -> str:
    return "pass" if ok else "warn"


def assess(img: Image.Image, source_size: tuple[int, int]) -> dict:
    """Measure the portrait so the app can ask for a retake: too dark or bright, flat, blurred, too small."""
    grey = img.convert("L")
    stat = ImageStat.Stat(grey)
    brightness, contrast = stat.mean[0], stat.stddev[0]
    # Sharpness where the face is: the Laplacian of the portrait's central region (x 25–75 %, y 15–65 %), at
    # full scale so the threshold keeps its meaning. A quarter of the pixels (the filter was 2 of the 3 ms
    # an assessment took), and a soft background no longer drowns a sharp face, nor the reverse.
    # Pillow leaves a 1-pixel frame unfiltered; the region is cut one pixel wider and that frame cut off.
    left, top, right, bottom = _FACE_REGION
    w, h = grey.size
    region = grey.crop((int(w * left) - 1, int(h * top) - 1, int(w * right) + 1, int(h * bottom) + 1))
    edges = region.filter(_LAPLACIAN).crop((1, 1, region.width - 1, region.height - 1))
    sharpness = ImageStat.Stat(edges).var[0]
    width, height = source_size
    crop_w = min(width, height * 3 / 4)
    checks = {
        "source": {"width": width, "height": height, "verdict": _verdict(crop_w >= OUT_SIZE[0] * 0.75)},
        "brightness": {"value": round(brightness, 1),
                       "verdict": _verdict(BRIGHTNESS_RANGE[0] <= brightness <= BRIGHTNESS_RANGE[1])},
        "contrast": {"value": round(contrast, 1), "verdict": _verdict(contrast >= MIN_CONTRAST)},
        "sharpness": {"value": round(sharpness, 1), "verdict": _verdict(sharpness >= MIN_SHARPNESS)},
    }
    warnings = [name for name, check in checks.items() if check["verdict"] == "warn"]
    return {"verdict": "warn" if warnings else "pass", "warnings": warnings, **checks}
