"""Crop boxes between what people see and what the evidence stores.

Pages show the upright derived images (EXIF orientation applied), while a finding's crop box is
kept in pixels of the original as stored (`FindingPhoto.crop_*`, checked against `Photo.width` and
`height`, the original's own size). For the eight EXIF orientations these functions map a box drawn
on the upright image (fractions 0..1 of its width and height) to original pixels, and back.
"""

from __future__ import annotations

from dataclasses import dataclass

# Upright point (u, v) -> original point (x, y), all as fractions of the image's width and height,
# for each EXIF orientation (see PIL.ImageOps.exif_transpose for the transposition each one means).
_TO_ORIGINAL = {
    1: lambda u, v: (u, v),
    2: lambda u, v: (1 - u, v),
    3: lambda u, v: (1 - u, 1 - v),
    4: lambda u, v: (u, 1 - v),
    5: lambda u, v: (v, u),
    6: lambda u, v: (v, 1 - u),
    7: lambda u, v: (1 - v, 1 - u),
    8: lambda u, v: (1 - v, u),
}
_TO_UPRIGHT = {
    1: lambda x, y: (x, y),
    2: lambda x, y: (1 - x, y),
    3: lambda x, y: (1 - x, 1 - y),
    4: lambda x, y: (x, 1 - y),
    5: lambda x, y: (y, x),
    6: lambda x, y: (1 - y, x),
    7: lambda x, y: (1 - y, 1 - x),
    8: lambda x, y: (y, 1 - x),
}


def orientation_of(value) -> int:
    """The EXIF Orientation value as stored in `Photo.exif` (int or text), 1 when absent or odd."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number in _TO_ORIGINAL else 1


def swaps_sides(orientation: int) -> bool:
    """Orientations 5 to 8 turn the image a quarter: the upright width is the original height."""
    return orientation_of(orientation) >= 5


@dataclass(frozen=True)
class Box:
    """A box as fractions of an image: left, top, right, bottom in 0..1."""

    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def parse(cls, text: str) -> Box:
        """`"0.1,0.2,0.3,0.4"` (left, top, right, bottom); ValueError when it is not a box."""
        parts = [float(part) for part in text.split(",")]
        if len(parts) != 4:
            raise ValueError("A box is four numbers: left, top, right, bottom.")
        left, top, right, bottom = (min(max(p, 0.0), 1.0) for p in parts)
        left, right = sorted((left, right))
        top, bottom = sorted((top, bottom))
        if right - left <= 0 or bottom - top <= 0:
            raise ValueError("The box has no area.")
        return cls(left, top, right, bottom)

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _mapped(box: Box, mapping) -> Box:
    x0, y0 = mapping(box.left, box.top)
    x1, y1 = mapping(box.right, box.bottom)
    return Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def upright_to_original(
    box: Box, width: int, height: int, orientation
) -> tuple[int, int, int, int]:
    """A box drawn on the upright image -> (x, y, w, h) in original pixels, inside the image."""
    raw = _mapped(box, _TO_ORIGINAL[orientation_of(orientation)])
    x = min(max(round(raw.left * width), 0), width - 1)
    y = min(max(round(raw.top * height), 0), height - 1)
    right = min(max(round(raw.right * width), x + 1), width)
    bottom = min(max(round(raw.bottom * height), y + 1), height)
    return x, y, right - x, bottom - y


def original_to_upright(
    x: int, y: int, w: int, h: int, width: int, height: int, orientation
) -> Box:
    """(x, y, w, h) in original pixels -> the box on the upright image, as fractions."""
    raw = Box(x / width, y / height, (x + w) / width, (y + h) / height)
    return _mapped(raw, _TO_UPRIGHT[orientation_of(orientation)])


def upright_size(width: int, height: int, orientation) -> tuple[int, int]:
    return (height, width) if swaps_sides(orientation) else (width, height)
