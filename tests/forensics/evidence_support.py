"""Helpers for the evidence tests: images made with Pillow, crafted bad files, upload calls."""

import io
import struct
import zlib
from pathlib import Path

import numpy
import pillow_heif
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

pillow_heif.register_heif_opener()

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (50.0, 27.0, 3.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (30.0, 31.0, 24.0),
}


def stored_files(root) -> list[Path]:
    root = Path(root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def pattern(seed: int, size=(256, 192)) -> Image.Image:
    """A blocky random picture: structure that a perceptual hash can tell apart."""
    rng = numpy.random.default_rng(seed)
    blocks = rng.integers(0, 256, size=(6, 8, 3), dtype=numpy.uint8)
    return Image.fromarray(blocks).resize(size, Image.Resampling.BILINEAR)


def halves(size=(40, 20)) -> Image.Image:
    """Left half red, right half blue: shows which way a rotation went."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def exif_with(orientation: int | None = None, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Model] = "Evidence 1"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif


def jpeg_with_exif(image: Image.Image, orientation: int | None = 6) -> bytes:
    return encode(image, "JPEG", quality=92, exif=exif_with(orientation))


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + tag
        + data
        + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    )


def bomb_png(width=30000, height=30000) -> bytes:
    """A valid-looking PNG of a few hundred bytes that declares `width`×`height` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def upload_file(name: str, content: bytes, content_type: str | None = None):
    return SimpleUploadedFile(
        name, content, content_type=content_type or "application/octet-stream"
    )


def upload(client, recovery, *files, caption=None):
    data = {"files": list(files)}
    if caption is not None:
        data["caption"] = caption
    return client.post(f"/api/v1/recoveries/{recovery.pk}/photos/", data, format="multipart")
