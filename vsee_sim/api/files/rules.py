"""Files: pure rules (values and now in, decisions out).

Categories and targets of an upload, the file name and extension, the content type an
extension is served with, the ``size=WxH`` of a download, the life of a signed URL,
and the two things done to image bytes (check that they are an image, resize to PNG).

Image work is bounded so that no image can exhaust the server: a resize decodes at most
``MAX_SOURCE_PIXELS`` (a fifth of Pillow's decompression-bomb limit; a JPEG is decoded
already scaled down, by ``draft``), makes at most ``MAX_OUTPUT_PIXELS``, and an upload's
image check reads the header and structure only, never the pixels.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from typing import TYPE_CHECKING

from vsee_sim.core.errors import BadRequest, PayloadTooLarge

if TYPE_CHECKING:
    from PIL import Image

CATEGORIES = ("intake_attachment", "user_consent", "user_avatar", "user_document")
LISTED_CATEGORIES = (*CATEGORIES, "account_file")    # the fixture's logo, consent and terms
TARGET_TYPES = ("user", "visit")
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024            # per file; app config MAX_FILE_BYTES
SIGNED_URL_TTL = 86400                               # a signed URL is good 24 h either side of its time
MAX_SIDE = 4096
MAX_OUTPUT_PIXELS = 2048 * 2048                      # a resized image: 16 MiB as RGBA at most
MAX_SOURCE_PIXELS = 4096 * 4096                      # decoded to resize: 64 MiB as RGBA at most
MAX_NAME = 255

_SIZE = re.compile(r"^\s*(\d{1,6})\s*[xX]\s*(\d{1,6})\s*$")
_EXT = re.compile(r"^[a-z0-9]{1,10}$")
CONTENT_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "bmp": "image/bmp", "webp": "image/webp", "tif": "image/tiff", "tiff": "image/tiff",
    "heic": "image/heic", "svg": "image/svg+xml", "ico": "image/x-icon",
    "pdf": "application/pdf", "txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8",
    "json": "application/json", "xml": "application/xml", "rtf": "application/rtf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "mp3": "audio/mpeg", "wav": "audio/wav", "mp4": "video/mp4", "mov": "video/quicktime",
    "zip": "application/zip",
}
OCTET_STREAM = "application/octet-stream"


# -- what an upload says -----------------------------------------------------------------
def check_category(value) -> str:
    """One of the four documented categories (400 naming ``meta.category`` otherwise)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRequest.missing("meta.category")
    category = value.strip() if isinstance(value, str) else value
    if category not in CATEGORIES:
        raise BadRequest.field("meta.category", f"use one of {', '.join(CATEGORIES)}.")
    return category


def check_target_type(value, field: str = "meta.target_type") -> str:
    kind = value.strip().lower() if isinstance(value, str) else value
    if kind not in TARGET_TYPES:
        raise BadRequest.field(field, f"use one of {', '.join(TARGET_TYPES)}.")
    return kind


def check_target_id(value, field: str = "meta.target_id") -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 64:
        raise BadRequest.field(field, "a user or visit id.")
    return value.strip()


def check_list_category(value) -> str:
    category = value.strip() if isinstance(value, str) else value
    if category not in LISTED_CATEGORIES:
        raise BadRequest.field("category", f"use one of {', '.join(CATEGORIES)}.")
    return category


def clean_name(value, field: str = "name") -> str:
    """A file name: its last path part (browsers send ``C:\\fakepath\\x.jpg``), non-blank, <= 255."""
    if not isinstance(value, str):
        raise BadRequest.field(field, "a file name.")
    name = re.split(r"[\\/]", value)[-1].strip()
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f")  # no control characters
    if not name:
        raise BadRequest.field(field, "must not be blank.")
    if len(name) > MAX_NAME:
        raise BadRequest.field(field, f"at most {MAX_NAME} characters.")
    return name


def ext_of(name: str) -> str:
    """The lowercase extension without its dot (``p878984.jpg`` -> ``jpg``), or ``""``."""
    _, dot, ext = name.rpartition(".")
    ext = ext.lower()
    return ext if dot and _EXT.match(ext) else ""


def content_type(ext: str | None) -> str:
    return CONTENT_TYPES.get((ext or "").lower(), OCTET_STREAM)


def check_file_size(size: int, limit: int) -> None:
    if size > limit:
        raise PayloadTooLarge(f"The file is {size} bytes; the limit is {limit} bytes per file.")


# -- signed URLs -------------------------------------------------------------------------
def signature_fresh(time: int, now: int, ttl: int = SIGNED_URL_TTL) -> bool:
    """A signed URL is good for ``ttl`` seconds either side of its ``time`` (clocks move back)."""
    return abs(now - time) <= ttl


# -- downloads ---------------------------------------------------------------------------
def parse_size(value) -> tuple[int, int] | None:
    """``size=WxH`` -> (W, H), each 1..4096 and W*H <= 2048*2048; absent or blank -> None; else a 400."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise BadRequest.field("size", "use {W}x{H}, e.g. 320x240.")
    width, height = int(match.group(1)), int(match.group(2))
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise BadRequest.field("size", f"width and height must be 1 to {MAX_SIDE}.")
    if width * height > MAX_OUTPUT_PIXELS:
        raise BadRequest.field("size", f"at most {MAX_OUTPUT_PIXELS} pixels (W x H), e.g. 2048x2048.")
    return width, height


class NotResized(Exception):
    """Why an image is served as it is rather than resized (not an image, too many pixels)."""


def _header(data: bytes) -> Image.Image:
    """The image, opened but not decoded (Pillow reads the header only); NotResized if none."""
    from PIL import Image  # imported by the first image, not at start-up

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Exception:  # noqa: BLE001 (Pillow raises many kinds; any of them means "not an image")
        raise NotResized("not an image Pillow reads") from None


def is_image(data: bytes) -> bool:
    """Whether the bytes are an image: the header opens and the structure verifies (for a PNG,
    every chunk's CRC), under Pillow's bomb limit. The pixels are not decoded, so the check
    costs a read of the bytes whatever the image's dimensions."""
    try:
        image = _header(data)
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.verify()
        return True
    except Exception:  # noqa: BLE001 (NotResized, or whatever verify raises)
        return False


def check_resizable(data: bytes, width: int, height: int, *, max_pixels: int = MAX_SOURCE_PIXELS) -> None:
    """NotResized (with the reason) unless ``resize_png`` may decode these bytes: they must
    be an image Pillow opens that takes at most ``max_pixels`` to decode, after a JPEG's
    ``draft`` (decoding at 1/2, 1/4 or 1/8 scale when the target is that much smaller).
    Reads the header only, whatever the image's dimensions."""
    _drafted(data, width, height, max_pixels)


def _drafted(data: bytes, width: int, height: int, max_pixels: int) -> Image.Image:
    image = _header(data)
    sent = image.size
    with contextlib.suppress(Exception):      # a draft that fails leaves the image at full size
        image.draft(None, (width, height))     # JPEG only; other formats ignore it
    if image.width * image.height > max_pixels:
        raise NotResized(f"the image is {sent[0]}x{sent[1]}; the simulator decodes at most "
                         f"{max_pixels} pixels to resize")
    return image


def resize_png(data: bytes, width: int, height: int, *, max_pixels: int = MAX_SOURCE_PIXELS) -> bytes:
    """The image resized to exactly ``width`` x ``height``, as PNG.

    NotResized (with the reason) if ``check_resizable`` refuses it or Pillow cannot
    decode it. The source is first reduced by whole factors (``reducing_gap``), so the
    filter runs on a small image.
    """
    image = _drafted(data, width, height, max_pixels)
    try:
        image.load()
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        image = image.resize((width, height), reducing_gap=2.0)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        return out.getvalue()
    except Exception as exc:  # noqa: BLE001 (truncated, unsupported mode...: served as it is)
        raise NotResized(f"Pillow cannot resize it ({type(exc).__name__})") from None
