"""Evidence photos: upload checks, the untouched original, stripped derivatives, pHash duplicates.

Upload (`accept_uploads`) refuses anything that is not a whole JPEG, PNG, WebP, TIFF or HEIC image of
at most MAX_UPLOAD_BYTES and MAX_UPLOAD_PIXELS, whose content is the type its name claims, before
storing a byte. Accepted originals are stored exactly as received, with their SHA-256, and a Photo
row in state `pending` (the outbox) is committed; `process_photo` then runs in a Celery task.

Processing (`process_photo`) re-hashes the original, decodes it at reduced size where the format
allows, applies the EXIF orientation, writes a display JPEG (1600 px) and a thumbnail (320 px) that
carry no metadata at all, extracts the original's EXIF for analysts, and computes the pHash of the
four rotations. Near-duplicates are found through four indexed 16-bit bands of the 64-bit pHash
(see `find_duplicates` and docs/evidence.md), never by scanning every photo.
"""

import hashlib
import io
import logging
import math
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePath

import imagehash
import pillow_heif
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from PIL import ExifTags, Image, ImageCms, ImageOps, TiffImagePlugin

from forensics.audit import record_change, snapshot
from forensics.models import Photo, PhotoDuplicate, PhotoState, Recovery
from forensics.models.evidence import derived_path

logger = logging.getLogger("forensics.evidence")

pillow_heif.register_heif_opener()
# Pillow's bomb guard follows the app's pixel limit: it warns above the limit (refused as too many
# pixels) and raises above twice the limit (refused as a decompression bomb).
Image.MAX_IMAGE_PIXELS = settings.MAX_UPLOAD_PIXELS

DISPLAY_SIZE = 1600
THUMBNAIL_SIZE = 320
DISPLAY_QUALITY = 85
THUMBNAIL_QUALITY = 80
DUPLICATE_DISTANCE = 8
"""pHash Hamming distance (of 64 bits) up to which two photos are reported as possible duplicates."""

ROTATIONS = (
    None,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
)


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extensions: tuple[str, ...]
    pillow_formats: tuple[str, ...]
    label: str


# Pillow's JPEG opener also answers multi-picture JPEGs from phones (format "MPO").
JPEG = ImageType("image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"), ("JPEG",), "JPEG")
PNG = ImageType("image/png", (".png",), ("PNG",), "PNG")
WEBP = ImageType("image/webp", (".webp",), ("WEBP",), "WebP")
TIFF = ImageType("image/tiff", (".tif", ".tiff"), ("TIFF",), "TIFF")
HEIC = ImageType("image/heic", (".heic", ".heif", ".hif"), ("HEIF",), "HEIC")
ACCEPTED_TYPES = (JPEG, PNG, WEBP, TIFF, HEIC)
_BY_EXTENSION = {ext: kind for kind in ACCEPTED_TYPES for ext in kind.extensions}
# Content types clients send for the same thing; octet-stream and empty claim nothing.
_CONTENT_TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/heif": "image/heic",
    "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heic",
    "image/x-tiff": "image/tiff",
}
_NO_CLAIM = {"", "application/octet-stream", "binary/octet-stream"}
_HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
}
_MARKUP_EXTENSIONS = {
    ".svg": "svg",
    ".svgz": "svg",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}
_HTML_TAGS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<meta")
ACCEPTED_LABEL = "JPEG, PNG, WebP, TIFF or HEIC"


class UploadRefused(Exception):
    """A file refused at upload; `code` is stable for clients, `reason` is for people."""

    STATUS = {
        "too_large": 413,
        "too_many_pixels": 413,
        "too_many_files": 413,
        "unsupported_type": 415,
        "type_mismatch": 415,
        "svg": 415,
        "html": 415,
    }

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason

    @property
    def status(self) -> int:
        return self.STATUS.get(self.code, 400)


class OriginalChanged(Exception):
    """The stored original no longer has the SHA-256 recorded at upload: never retried."""


class RetryProcessing(Exception):
    """Processing failed and may succeed later; the task retries with backoff."""


# --------------------------------------------------------------------------------------- upload


@dataclass
class Inspection:
    kind: ImageType
    width: int
    height: int
    sha256: str
    size_bytes: int


def sniff(head: bytes) -> str | None:
    """What the first bytes are: an accepted type's label, "svg", "html", or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG.label
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG.label
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP.label
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF.label
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC.label
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00").lower()
    if text.startswith(b"<"):
        if b"<svg" in text:
            return "svg"
        if any(tag in text for tag in _HTML_TAGS):
            return "html"
    return None


def _claimed_type(name: str, content_type: str | None) -> ImageType:
    extension = PurePath(name).suffix.lower()
    markup = _MARKUP_EXTENSIONS.get(extension)
    if markup == "svg":
        raise UploadRefused("svg", "SVG files are refused: they can carry scripts. Upload a photo.")
    if markup == "html":
        raise UploadRefused("html", "HTML files are refused. Upload a photo.")
    kind = _BY_EXTENSION.get(extension)
    if kind is None:
        shown = f"“{extension}”" if extension else "no extension"
        raise UploadRefused(
            "unsupported_type",
            f"The file name has {shown}; accepted are {ACCEPTED_LABEL} images "
            "(.jpg, .jpeg, .png, .webp, .tif, .tiff, .heic, .heif).",
        )
    claimed = (content_type or "").split(";")[0].strip().lower()
    claimed = _CONTENT_TYPE_ALIASES.get(claimed, claimed)
    if claimed not in _NO_CLAIM and claimed != kind.content_type:
        raise UploadRefused(
            "type_mismatch",
            f"The file is named {extension} but was sent as {claimed}; send it as {kind.content_type}.",
        )
    return kind


def _open_checked(fp, kind: ImageType, limit: int) -> Image.Image:
    """Open with Pillow restricted to the claimed format; pixel limits as refusals."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(fp, formats=list(kind.pillow_formats))
        except Image.DecompressionBombError as exc:
            raise UploadRefused(
                "decompression_bomb",
                f"The image declares more than twice the {limit / 1e6:g}-megapixel limit: refused "
                f"as a decompression bomb ({exc}).",
            )
        except Image.DecompressionBombWarning:
            raise UploadRefused(
                "too_many_pixels", f"The image has more than {limit / 1e6:g} megapixels."
            )
    width, height = image.size
    if width * height > limit:
        raise UploadRefused(
            "too_many_pixels",
            f"The image has {width * height / 1e6:.1f} megapixels ({width}×{height}); "
            f"the limit is {limit / 1e6:g}.",
        )
    if width < 1 or height < 1:
        raise UploadRefused("unreadable", "The image has no pixels.")
    return image


def _decode_fully(image: Image.Image, kind: ImageType) -> None:
    """Decode every byte so that truncated and corrupt files are refused now, not later.

    A JPEG is decoded at 1/8 scale: the whole entropy-coded stream is still read (so truncation
    shows), at a fraction of the cost.
    """
    if kind is JPEG:
        image.draft(None, (max(1, image.width // 8), max(1, image.height // 8)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image.load()


def inspect_upload(uploaded) -> Inspection:
    """Check one uploaded file (a Django UploadedFile); raise UploadRefused with the reason."""
    name = uploaded.name or ""
    size = uploaded.size or 0
    if size == 0:
        raise UploadRefused("empty", "The file is empty.")
    limit_bytes = settings.MAX_UPLOAD_BYTES
    if size > limit_bytes:
        raise UploadRefused(
            "too_large",
            f"The file is {size / 1048576:.1f} MB; the limit is {limit_bytes / 1048576:g} MB.",
        )
    uploaded.seek(0)
    head = uploaded.read(4096)
    uploaded.seek(0)
    detected = sniff(head)
    if detected == "svg":
        raise UploadRefused("svg", "The content is SVG: refused, it can carry scripts.")
    if detected == "html":
        raise UploadRefused("html", "The content is HTML, not an image.")
    kind = _claimed_type(name, getattr(uploaded, "content_type", None))
    if detected is None:
        raise UploadRefused("unsupported_type", f"The content is not a {ACCEPTED_LABEL} image.")
    if detected != kind.label:
        raise UploadRefused(
            "type_mismatch",
            f"The file is named {PurePath(name).suffix.lower()} ({kind.label}) but its content "
            f"is {detected}. Rename it to match its content.",
        )
    limit = settings.MAX_UPLOAD_PIXELS
    try:
        image = _open_checked(uploaded, kind, limit)
        width, height = image.size
        # Not closed: Pillow would close the uploaded file with it, which is still to be stored.
        _decode_fully(image, kind)
    except UploadRefused:
        raise
    except Image.DecompressionBombWarning:
        raise UploadRefused(
            "too_many_pixels", f"The image has more than {limit / 1e6:g} megapixels."
        )
    except Image.DecompressionBombError as exc:
        raise UploadRefused("decompression_bomb", f"Refused as a decompression bomb ({exc}).")
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError) as exc:
        message = str(exc) or exc.__class__.__name__
        lowered = message.lower()
        if "decompressed data too large" in lowered or "too much memory" in lowered:
            raise UploadRefused(
                "decompression_bomb", f"Refused as a decompression bomb ({message})."
            )
        if "truncated" in lowered or "premature" in lowered or isinstance(exc, EOFError):
            raise UploadRefused("truncated", f"The image is truncated ({message}).")
        raise UploadRefused(
            "unreadable", f"The image cannot be decoded as {kind.label} ({message})."
        )
    uploaded.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return Inspection(kind, width, height, digest.hexdigest(), size)


@dataclass
class UploadResult:
    index: int
    file: str
    photo: Photo | None = None
    code: str = ""
    reason: str = ""
    status: int = 201
    duplicate_of: list[int] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.photo is not None


def _stored_name(name: str, kind: ImageType) -> str:
    base = PurePath(name).name
    try:
        clean = get_valid_filename(base)
    except SuspiciousFileOperation:
        clean = ""
    stem, suffix = PurePath(clean).stem[:80], PurePath(clean).suffix.lower()
    return f"{stem or 'photo'}{suffix or kind.extensions[0]}"


def enqueue_processing(photo_id: int) -> None:
    """Send the photo to the worker once the transaction that wrote it has committed."""
    from forensics import tasks

    transaction.on_commit(lambda: tasks.process_photo.delay(photo_id))


def check_upload_size(content_length: int) -> None:
    """Refuse a request larger than any accepted upload could be, before its body is parsed."""
    if content_length > settings.MAX_UPLOAD_BYTES * settings.MAX_UPLOAD_FILES + 1048576:
        raise UploadRefused("too_large", "The request is larger than any accepted upload.")


def check_upload_count(count: int) -> None:
    """Refuse a request carrying more files than one upload takes."""
    limit = settings.MAX_UPLOAD_FILES
    if count > limit:
        raise UploadRefused(
            "too_many_files", f"At most {limit} files per upload; send them in several."
        )


def hide_unseen_duplicates(user, results: list[UploadResult]) -> None:
    """Keep in each result's `duplicate_of` only the photos `user` may see (one query)."""
    visible = set(
        Photo.objects.visible_to(user)
        .filter(pk__in=[pk for result in results for pk in result.duplicate_of])
        .values_list("pk", flat=True)
    )
    for result in results:
        result.duplicate_of = [pk for pk in result.duplicate_of if pk in visible]


def accept_uploads(recovery: Recovery, files, actor, caption: str = "") -> list[UploadResult]:
    """Check every file, store the accepted ones untouched, report per file (in the given order).

    Refused files leave nothing behind. Accepted ones are written, then their rows committed in
    one transaction; if that fails, the files written are removed again.
    """
    results: list[UploadResult] = []
    accepted: list[tuple[UploadResult, object, Inspection]] = []
    for index, uploaded in enumerate(files):
        result = UploadResult(index=index, file=uploaded.name or f"file {index + 1}")
        try:
            accepted.append((result, uploaded, inspect_upload(uploaded)))
        except UploadRefused as refused:
            result.code, result.reason, result.status = refused.code, refused.reason, refused.status
        results.append(result)
    if not accepted:
        return results
    written: list[str] = []
    storage = Photo._meta.get_field("original").storage
    try:
        with transaction.atomic():
            for result, uploaded, inspection in accepted:
                photo = Photo(
                    recovery=recovery,
                    original_name=(uploaded.name or "")[:255],
                    content_type=inspection.kind.content_type,
                    sha256=inspection.sha256,
                    size_bytes=inspection.size_bytes,
                    width=inspection.width,
                    height=inspection.height,
                    caption=caption[:300],
                    uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    state=PhotoState.PENDING,
                    state_changed_at=timezone.now(),
                )
                photo.original.save(
                    _stored_name(uploaded.name or "", inspection.kind), uploaded, save=False
                )
                written.append(photo.original.name)
                photo.save()
                result.photo = photo
                result.duplicate_of = list(
                    Photo.objects.filter(sha256=photo.sha256)
                    .exclude(pk=photo.pk)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                record_change(actor, photo, "upload", None, snapshot(photo))
                enqueue_processing(photo.pk)
    except Exception:
        for name in written:
            storage.delete(name)
        for result, _, _ in accepted:
            result.photo = None
        raise
    return results


# ----------------------------------------------------------------------------------- processing


def _json_safe(value, depth: int = 0):
    """EXIF values as JSON (PostgreSQL jsonb refuses NUL characters and NaN)."""
    if depth > 4:
        return None
    if isinstance(value, TiffImagePlugin.IFDRational):
        if value.denominator == 0:
            return None
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    if isinstance(value, bytes):
        text = value.rstrip(b"\x00")
        if len(text) <= 256 and all(32 <= byte < 127 or byte in (9, 10, 13) for byte in text):
            return text.decode("ascii").strip()
        return f"<{len(value)} bytes>"
    if isinstance(value, (tuple, list)):
        return [_json_safe(item, depth + 1) for item in value[:256]]
    if isinstance(value, dict):
        return {str(key): _json_safe(item, depth + 1) for key, item in list(value.items())[:256]}
    return str(value).replace("\x00", "")


def _gps_decimal(gps: dict) -> dict | None:
    def degrees(values, ref):
        if not isinstance(values, list) or len(values) != 3 or None in values:
            return None
        number = values[0] + values[1] / 60 + values[2] / 3600
        return round(-number if ref in ("S", "W") else number, 7)

    latitude = degrees(gps.get("GPSLatitude"), gps.get("GPSLatitudeRef"))
    longitude = degrees(gps.get("GPSLongitude"), gps.get("GPSLongitudeRef"))
    if latitude is None or longitude is None:
        return None
    return {"latitude": latitude, "longitude": longitude}


def extract_exif(image: Image.Image) -> dict:
    """The original's EXIF as JSON: base tags, then the Exif, GPS and Interop directories by name."""
    exif = image.getexif()
    if not exif:
        return {}
    data = {}
    pointers = {int(ExifTags.IFD.Exif), int(ExifTags.IFD.GPSInfo), int(ExifTags.IFD.Interop)}
    for tag, value in exif.items():
        if tag not in pointers:
            data[ExifTags.TAGS.get(tag, f"0x{tag:04x}")] = _json_safe(value)
    directories = (
        (ExifTags.IFD.Exif, "Exif", ExifTags.TAGS),
        (ExifTags.IFD.GPSInfo, "GPS", ExifTags.GPSTAGS),
        (ExifTags.IFD.Interop, "Interop", ExifTags.TAGS),
    )
    for ifd, label, names in directories:
        try:
            entries = exif.get_ifd(ifd)
        except (KeyError, OSError, ValueError, SyntaxError):
            continue
        if entries:
            data[label] = {
                names.get(tag, f"0x{tag:04x}"): (
                    f"<{len(value)} bytes>"
                    if tag == 0x927C and isinstance(value, bytes)  # MakerNote: vendor binary
                    else _json_safe(value)
                )
                for tag, value in entries.items()
            }
    if "GPS" in data:
        decimal = _gps_decimal(data["GPS"])
        if decimal:
            data["GPSDecimal"] = decimal
    return data


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    scale = longest / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any mode to RGB: transparency over white, 16-bit and float scaled to 8 bits."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        import numpy

        array = numpy.asarray(image, dtype=numpy.float64)
        top = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / top)).clip(0, 255).astype("uint8")).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Colours converted from an embedded profile (phones shoot Display P3) so that dropping the
    profile with the rest of the metadata does not shift them; left alone if it cannot be read."""
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return image
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    """Encode with no metadata whatsoever: no EXIF, XMP, ICC, comment or DPI."""
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def phash_int(image: Image.Image) -> int:
    return int(str(imagehash.phash(image)), 16)


def band(value: int, index: int) -> int:
    """16-bit band `index` (0 = most significant) of a 64-bit hash."""
    return (value >> (48 - 16 * index)) & 0xFFFF


@dataclass
class Derived:
    sha256: str
    size_bytes: int
    width: int
    height: int
    exif: dict
    display: bytes
    thumbnail: bytes
    phashes: list[int]
    timings: dict[str, float] = field(default_factory=dict)


def derive(fp) -> Derived:
    """Everything processing computes from an original (a binary file object), without the DB."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[name] = now - started
        started = now

    fp.seek(0)
    digest = hashlib.file_digest(fp, "sha256")
    size_bytes = fp.tell()
    fp.seek(0)
    lap("sha256")
    formats = [name for kind in ACCEPTED_TYPES for name in kind.pillow_formats]
    image = Image.open(fp, formats=formats)
    width, height = image.size
    exif = extract_exif(image)
    icc_profile = image.info.get("icc_profile")
    lap("open + EXIF")
    target = _fit(image.size, DISPLAY_SIZE)
    if image.format in ("JPEG", "MPO") and target != image.size:
        image.draft("RGB" if image.mode == "RGB" else None, target)
    image.load()
    lap("decode")
    upright = _to_rgb(ImageOps.exif_transpose(image) or image)
    lap("orient")
    display = upright.resize(
        _fit(upright.size, DISPLAY_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    thumbnail = display.resize(
        _fit(display.size, THUMBNAIL_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    lap("resize")
    display = _to_srgb(display, icc_profile)
    thumbnail = _to_srgb(thumbnail, icc_profile)
    display_bytes = _jpeg_bytes(display, DISPLAY_QUALITY)
    thumbnail_bytes = _jpeg_bytes(thumbnail, THUMBNAIL_QUALITY)
    lap("encode JPEGs")
    small = thumbnail.convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    phashes = [
        phash_int(small if rotation is None else small.transpose(rotation))
        for rotation in ROTATIONS
    ]
    lap("pHash x4")
    image.close()
    return Derived(
        sha256=digest.hexdigest(),
        size_bytes=size_bytes,
        width=width,
        height=height,
        exif=exif,
        display=display_bytes,
        thumbnail=thumbnail_bytes,
        phashes=phashes,
        timings=timings,
    )


def _probe_values(value: int) -> list[int]:
    """A 16-bit band and its 16 one-bit neighbours."""
    return [value, *(value ^ (1 << bit) for bit in range(16))]


def find_duplicates(photo: Photo, phashes: list[int]) -> list[tuple[int, int, bool]]:
    """(other photo id, distance, exact) for photos within DUPLICATE_DISTANCE on any rotation,
    and every photo with the same SHA-256 (distance 0, exact).

    Candidates come from the band indexes: a photo is fetched only if one of its four 16-bit bands
    equals, or differs by one bit from, the same band of one of our four rotation hashes. By
    pigeonhole that finds every photo within distance 7; at distance 8 it misses only the
    pattern of exactly two differing bits in every band (about 5% of distance-8 pairs).
    """
    condition = Q()
    for index in range(4):
        values = sorted({probe for value in phashes for probe in _probe_values(band(value, index))})
        condition |= Q(**{f"phash_band{index}__in": values})
    candidates = (
        Photo.objects.filter(condition)
        .exclude(pk=photo.pk)
        .order_by()
        .values_list("pk", "phash_band0", "phash_band1", "phash_band2", "phash_band3")
    )
    found: dict[int, tuple[int, bool]] = {}
    for pk, b0, b1, b2, b3 in candidates:
        other = (b0 << 48) | (b1 << 32) | (b2 << 16) | b3
        distance = min((value ^ other).bit_count() for value in phashes)
        if distance <= DUPLICATE_DISTANCE:
            found[pk] = (distance, False)
    for pk in (
        Photo.objects.filter(sha256=photo.sha256).exclude(pk=photo.pk).values_list("pk", flat=True)
    ):
        found[pk] = (0, True)
    return sorted(
        ((pk, distance, exact) for pk, (distance, exact) in found.items()),
        key=lambda r: (r[1], r[0]),
    )


def _link_duplicates(photo: Photo, matches: list[tuple[int, int, bool]]) -> None:
    """Both directions, so each photo warns about the other; re-runs change nothing."""
    rows = []
    for other_id, distance, exact in matches:
        rows.append(
            PhotoDuplicate(photo_id=photo.pk, other_id=other_id, distance=distance, exact=exact)
        )
        rows.append(
            PhotoDuplicate(photo_id=other_id, other_id=photo.pk, distance=distance, exact=exact)
        )
    PhotoDuplicate.objects.bulk_create(rows, ignore_conflicts=True)


def _claim(photo_id: int) -> bool:
    """Take the photo for processing (conditional UPDATE: one worker at a time). A photo left in
    `processing` longer than PHOTO_STALE_SECONDS (its worker died) may be taken over."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PHOTO_STALE_SECONDS)
    claimed = (
        Photo.objects.filter(pk=photo_id)
        .filter(
            Q(state=PhotoState.PENDING) | Q(state=PhotoState.PROCESSING, state_changed_at__lt=stale)
        )
        .update(state=PhotoState.PROCESSING, state_changed_at=now, attempts=F("attempts") + 1)
    )
    return claimed == 1


def _save_derivative(photo: Photo, field_name: str, suffix: str, content: bytes) -> None:
    file = getattr(photo, field_name)
    storage = file.storage
    name = f"{photo.pk}-{suffix}.jpg"
    if file.name:
        storage.delete(file.name)
    storage.delete(derived_path(photo, name))
    file.save(name, ContentFile(content), save=False)


def _fail(photo_id: int, message: str, final: bool) -> None:
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo_id)
        before = snapshot(photo)
        photo.error = message[:2000]
        photo.state = PhotoState.FAILED if final else PhotoState.PENDING
        photo.state_changed_at = timezone.now()
        photo.save(update_fields=["error", "state", "state_changed_at"])
        if final:
            record_change(None, photo, "process_failed", before, snapshot(photo))


def process_photo(photo_id: int) -> str:
    """Process one photo (idempotent: a photo not pending, or claimed by a live worker, is left).

    Returns a one-line outcome. Raises RetryProcessing when a later attempt may succeed.
    """
    if not _claim(photo_id):
        state = Photo.objects.filter(pk=photo_id).values_list("state", flat=True).first()
        return f"photo {photo_id}: not claimed (state {state or 'deleted'})"
    photo = Photo.objects.get(pk=photo_id)
    try:
        with photo.original.open("rb") as original:
            derived = derive(original)
        if derived.sha256 != photo.sha256:
            raise OriginalChanged(
                f"The original's SHA-256 is {derived.sha256}, not {photo.sha256} as recorded at upload."
            )
        before = snapshot(photo)
        _save_derivative(photo, "thumbnail", "thumb", derived.thumbnail)
        _save_derivative(photo, "display", "display", derived.display)
        photo.exif = derived.exif
        photo.phash = f"{derived.phashes[0]:016x}"
        photo.phash_rotations = [f"{value:016x}" for value in derived.phashes]
        for index in range(4):
            setattr(photo, f"phash_band{index}", band(derived.phashes[0], index))
        # Bands are committed before the search, so of two similar photos processed at the same
        # time the later search always sees the other.
        photo.save(
            update_fields=[
                "thumbnail",
                "display",
                "exif",
                "phash",
                "phash_rotations",
                "phash_band0",
                "phash_band1",
                "phash_band2",
                "phash_band3",
            ]
        )
        with transaction.atomic():
            matches = find_duplicates(photo, derived.phashes)
            _link_duplicates(photo, matches)
            photo.state = PhotoState.READY
            photo.state_changed_at = photo.processed_at = timezone.now()
            photo.error = ""
            photo.save(update_fields=["state", "state_changed_at", "processed_at", "error"])
            after = snapshot(photo)
            after["duplicates"] = [pk for pk, _, _ in matches]
            record_change(None, photo, "process", before, after)
    except OriginalChanged as exc:
        logger.error("photo %s: %s", photo_id, exc)
        _fail(photo_id, str(exc), final=True)
        return f"photo {photo_id}: failed ({exc})"
    except Exception as exc:
        attempts = Photo.objects.filter(pk=photo_id).values_list("attempts", flat=True).first() or 0
        final = attempts >= settings.PHOTO_PROCESSING_MAX_ATTEMPTS
        message = f"attempt {attempts}: {exc.__class__.__name__}: {exc}"
        logger.warning("photo %s: %s%s", photo_id, message, " (giving up)" if final else "")
        _fail(photo_id, message, final=final)
        if final:
            return f"photo {photo_id}: failed after {attempts} attempts"
        raise RetryProcessing(message) from exc
    return f"photo {photo_id}: ready, {len(matches)} possible duplicate(s)"


def sweep_stale_photos(limit: int = 1000) -> list[int]:
    """Photos pending or processing for longer than PHOTO_STALE_SECONDS: their task was lost (no
    broker, a dead worker). Re-enqueued; returns their ids."""
    from forensics import tasks

    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.PHOTO_STALE_SECONDS)
    ids = list(
        Photo.objects.filter(
            state__in=[PhotoState.PENDING, PhotoState.PROCESSING], state_changed_at__lt=cutoff
        )
        .order_by("state_changed_at")
        .values_list("pk", flat=True)[:limit]
    )
    Photo.objects.filter(pk__in=ids, state=PhotoState.PENDING).update(state_changed_at=now)
    for photo_id in ids:
        tasks.process_photo.delay(photo_id)
    return ids


def reprocess(photo: Photo, actor) -> Photo:
    """Queue a photo again from scratch (after a failure, or after the processing changed)."""
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        before = snapshot(photo)
        photo.state = PhotoState.PENDING
        photo.state_changed_at = timezone.now()
        photo.attempts = 0
        photo.error = ""
        photo.save(update_fields=["state", "state_changed_at", "attempts", "error"])
        record_change(actor, photo, "reprocess", before, snapshot(photo))
        enqueue_processing(photo.pk)
    return photo


def delete_photo(photo: Photo, actor) -> None:
    """Remove a photo and its files (admins; a photo a finding shows cannot be removed)."""
    from forensics.models import FindingPhoto

    if FindingPhoto.objects.filter(photo=photo).exists():
        raise ValidationError("This photo is shown by findings; detach it from them first.")
    names = [
        name for name in (photo.original.name, photo.thumbnail.name, photo.display.name) if name
    ]
    storage = photo.original.storage
    with transaction.atomic():
        record_change(actor, photo, "delete", snapshot(photo), None)
        photo.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


# ------------------------------------------------------------------------------- verification


@dataclass
class VerifyProblem:
    photo_id: int
    path: str
    kind: str  # "missing" or "mismatch"
    expected: str
    actual: str = ""


def verify_originals(queryset=None, on_progress=None):
    """Re-hash every original (streamed); yield a VerifyProblem for each missing or changed one."""
    queryset = Photo.objects.all() if queryset is None else queryset
    storage = Photo._meta.get_field("original").storage
    rows = queryset.order_by("pk").values_list("pk", "original", "sha256")
    for photo_id, name, expected in rows.iterator(chunk_size=1000):
        if on_progress is not None:
            on_progress(photo_id)
        if not name or not storage.exists(name):
            yield VerifyProblem(photo_id, name or "", "missing", expected)
            continue
        with storage.open(name, "rb") as original:
            actual = hashlib.file_digest(original, "sha256").hexdigest()
        if actual != expected:
            yield VerifyProblem(photo_id, name, "mismatch", expected, actual)
