"""Files rules, pure: categories, targets, names, extensions, content types, size=WxH, resizing.

Properties: ``parse_size`` never raises anything but a BadRequest naming ``size``, and what
it accepts is within 1..4096 a side and 2048*2048 in all; any image resized comes back a PNG
of exactly the size asked; bytes that are not an image are never taken for one, and an image
over the pixel budget is never decoded (docs/fidelity.md F1-F12).
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from vsee_sim.api.files import rules
from vsee_sim.core.errors import BadRequest, PayloadTooLarge


def refused(check, value, field: str) -> BadRequest:
    with pytest.raises(BadRequest) as err:
        check(value)
    assert err.value.status == 400
    assert list(err.value.errors) == [field] and field in err.value.message
    return err.value


def image_bytes(width: int, height: int, fmt: str = "PNG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format=fmt)
    return out.getvalue()


# -- examples ---------------------------------------------------------------------------------
@pytest.mark.parametrize("category", rules.CATEGORIES)
def test_the_four_documented_categories(category):
    assert rules.check_category(f" {category} ") == category


@pytest.mark.parametrize("value", ["account_file", "avatar", "USER_AVATAR", 3, ["user_avatar"], {}])
def test_other_categories_are_refused_naming_meta_category(value):
    refused(rules.check_category, value, "meta.category")


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_missing_category_is_named(value):
    assert "meta.category" in refused(rules.check_category, value, "meta.category").message


def test_targets():
    assert rules.check_target_type(" Visit ") == "visit"
    refused(rules.check_target_type, "account", "meta.target_type")
    refused(lambda v: rules.check_target_type(v, "target_type"), "room", "target_type")
    assert rules.check_target_id(350936) == "350936"
    refused(rules.check_target_id, "", "meta.target_id")
    refused(rules.check_target_id, True, "meta.target_id")


@pytest.mark.parametrize(("sent", "kept"), [
    ("p878984.jpg", "p878984.jpg"), ("C:\\fakepath\\scan 1.PDF", "scan 1.PDF"), ("/tmp/a/b.png", "b.png"),
    ("  test2.jpg ", "test2.jpg"), ("bad\nname.txt", "badname.txt"),
])
def test_names_keep_their_last_path_part(sent, kept):
    assert rules.clean_name(sent) == kept


@pytest.mark.parametrize("value", ["", "   ", "dir/", None, 5, "x" * 256])
def test_bad_names(value):
    refused(rules.clean_name, value, "name")


@pytest.mark.parametrize(("name", "ext", "ctype"), [
    ("p878984.jpg", "jpg", "image/jpeg"), ("A.JPEG", "jpeg", "image/jpeg"), ("x.png", "png", "image/png"),
    ("consent.pdf", "pdf", "application/pdf"), ("README", "", "application/octet-stream"),
    ("archive.tar.gz", "gz", "application/octet-stream"), ("weird.j p g", "", "application/octet-stream"),
])
def test_extension_and_content_type(name, ext, ctype):
    assert rules.ext_of(name) == ext
    assert rules.content_type(ext) == ctype


def test_file_size_limit():
    rules.check_file_size(10, 10)
    with pytest.raises(PayloadTooLarge) as err:
        rules.check_file_size(11, 10)
    assert err.value.status == 413


def test_signed_urls_last_a_day_either_side():
    assert rules.signature_fresh(1000, 1000 + rules.SIGNED_URL_TTL)
    assert not rules.signature_fresh(1000, 1001 + rules.SIGNED_URL_TTL)
    assert rules.signature_fresh(1000 + rules.SIGNED_URL_TTL, 1000)
    assert not rules.signature_fresh(1001 + rules.SIGNED_URL_TTL, 1000)


@pytest.mark.parametrize(("value", "size"), [
    ("320x240", (320, 240)), ("320X480", (320, 480)), (" 1x1 ", (1, 1)), ("2048x2048", (2048, 2048)),
    ("4096x1024", (4096, 1024)), ("1x4096", (1, 4096)),
    (None, None), ("", None), ("  ", None),
])
def test_size_examples(value, size):
    assert rules.parse_size(value) == size


@pytest.mark.parametrize("value", ["0x10", "10x0", "4097x1", "320", "320x", "x240", "-1x5", "1.5x2", "320*240",
                                   "4096x4096", "2049x2048"])
def test_bad_sizes_name_size(value):
    refused(rules.parse_size, value, "size")


def test_images_and_not_images():
    assert rules.is_image(image_bytes(3, 2, "JPEG"))
    assert rules.is_image(image_bytes(3, 2, "GIF", "P"))
    assert not rules.is_image(b"%PDF-1.4 not an image")
    assert not rules.is_image(b"")
    assert not rules.is_image(image_bytes(30, 30)[:40])  # a truncated PNG
    with pytest.raises(rules.NotResized, match="not an image"):
        rules.resize_png(b"plain text", 10, 10)


# -- properties -------------------------------------------------------------------------------
@given(st.one_of(st.text(), st.none(), st.integers(), st.binary(), st.lists(st.text()),
                 st.from_regex(r"\A\s*-?\d{0,7}\s*[xX*]\s*-?\d{0,7}\s*\Z")))
def test_parse_size_only_ever_raises_bad_request(value):
    try:
        size = rules.parse_size(value)
    except BadRequest as err:
        assert list(err.errors) == ["size"]
        return
    assert size is None or (all(1 <= side <= rules.MAX_SIDE for side in size)
                            and size[0] * size[1] <= rules.MAX_OUTPUT_PIXELS)


@given(st.integers(1, rules.MAX_SIDE), st.integers(1, rules.MAX_SIDE))
def test_every_size_in_bounds_is_accepted(width, height):
    if width * height <= rules.MAX_OUTPUT_PIXELS:
        assert rules.parse_size(f"{width}x{height}") == (width, height)
    else:
        refused(rules.parse_size, f"{width}x{height}", "size")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 300), st.integers(1, 300),
       st.sampled_from([("PNG", "RGB"), ("PNG", "RGBA"), ("JPEG", "RGB"), ("GIF", "P"), ("BMP", "RGB"),
                        ("PNG", "L"), ("PNG", "1"), ("TIFF", "CMYK"), ("WEBP", "RGB")]))
def test_any_image_resized_is_a_png_of_exactly_that_size(w, h, width, height, kind):
    fmt, mode = kind
    png = rules.resize_png(image_bytes(w, h, fmt, mode), width, height)
    assert png is not None
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (width, height)


@given(st.binary(max_size=256))
def test_random_bytes_never_break_the_image_checks(data):
    rules.is_image(data)
    try:
        out = rules.resize_png(data, 8, 8)
    except rules.NotResized:
        return
    assert Image.open(io.BytesIO(out)).size == (8, 8)


# -- the pixel budget ------------------------------------------------------------------------
def big_png(width: int, height: int) -> bytes:
    """A grey PNG of width x height, made row by row with zlib: a few KiB for megapixels,
    and no image in memory to make it."""
    row, packer = b"\x00" + b"\xc8" * width, zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_an_image_over_the_pixel_budget_is_not_decoded(monkeypatch):
    data = big_png(300, 200)
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self))
    with pytest.raises(rules.NotResized, match=r"300x200.* 59999 pixels"):
        rules.resize_png(data, 10, 10, max_pixels=59_999)
    with pytest.raises(rules.NotResized, match=r"300x200"):
        rules.check_resizable(data, 10, 10, max_pixels=59_999)
    rules.check_resizable(data, 10, 10, max_pixels=60_000)
    with pytest.raises(rules.NotResized, match="not an image"):
        rules.check_resizable(b"%PDF-1.4", 10, 10)
    assert decoded == []     # refused on its header, before any pixel is read


def test_the_budget_is_well_below_pillows_bomb_limit():
    assert rules.MAX_SOURCE_PIXELS * 4 < Image.MAX_IMAGE_PIXELS
    assert rules.MAX_OUTPUT_PIXELS <= rules.MAX_SOURCE_PIXELS


def test_an_image_at_the_budget_resizes():
    png = rules.resize_png(big_png(300, 200), 30, 20, max_pixels=60_000)
    image = Image.open(io.BytesIO(png))
    assert image.size == (30, 20) and image.getpixel((0, 0)) == 200


def test_a_large_jpeg_is_decoded_scaled_down_by_draft():
    out = io.BytesIO()
    Image.new("RGB", (800, 800), "teal").save(out, format="JPEG")
    # 640,000 pixels, but drafted at 1/8 for a 100x100 target: 10,000 decoded.
    png = rules.resize_png(out.getvalue(), 100, 100, max_pixels=10_000)
    assert Image.open(io.BytesIO(png)).size == (100, 100)
    with pytest.raises(rules.NotResized):
        rules.resize_png(out.getvalue(), 400, 400, max_pixels=10_000)   # 1/2: 160,000 pixels


def test_the_upload_check_reads_no_pixels(monkeypatch):
    data = big_png(9400, 9400)        # a 88 MP image under Pillow's bomb limit, a few KiB of PNG
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    assert rules.is_image(data)
