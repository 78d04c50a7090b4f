"""Crop boxes drawn on the upright image land on the same pixels of the original, for every EXIF
orientation: checked against Pillow's own transposition."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageOps

from forensics import crops

WIDTH, HEIGHT = 40, 20


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """What pages show: the original as exif_transpose turns it."""
    image.getexif()[0x0112] = orientation
    return ImageOps.exif_transpose(image)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_box_on_the_upright_image_is_the_same_pixels_of_the_original(orientation):
    original = Image.new("L", (WIDTH, HEIGHT), 0)
    original.paste(255, (30, 2, 36, 9))  # a bright component at x 30..35, y 2..8
    turned = upright(original.copy(), orientation)
    assert turned.size == crops.upright_size(WIDTH, HEIGHT, orientation)
    left, top, right, bottom = turned.getbbox()
    box = crops.Box(
        left / turned.width, top / turned.height, right / turned.width, bottom / turned.height
    )
    assert crops.upright_to_original(box, WIDTH, HEIGHT, orientation) == (30, 2, 6, 7)
    back = crops.original_to_upright(30, 2, 6, 7, WIDTH, HEIGHT, orientation)
    assert (back.left, back.top, back.right, back.bottom) == pytest.approx(
        (box.left, box.top, box.right, box.bottom)
    )


@given(
    orientation=st.integers(1, 8),
    x=st.integers(0, WIDTH - 1),
    y=st.integers(0, HEIGHT - 1),
    w=st.integers(1, WIDTH),
    h=st.integers(1, HEIGHT),
)
def test_round_trip_stays_inside_the_image(orientation, x, y, w, h):
    w, h = min(w, WIDTH - x), min(h, HEIGHT - y)
    box = crops.original_to_upright(x, y, w, h, WIDTH, HEIGHT, orientation)
    assert crops.upright_to_original(box, WIDTH, HEIGHT, orientation) == (x, y, w, h)


def test_box_parsing_refuses_what_is_not_a_box():
    assert crops.Box.parse("0.5,0.6,0.1,0.2") == crops.Box(0.1, 0.2, 0.5, 0.6)
    assert crops.Box.parse("-1,0,2,1") == crops.Box(0.0, 0.0, 1.0, 1.0)
    for bad in ("", "1,2,3", "a,b,c,d", "0.2,0.2,0.2,0.5"):
        with pytest.raises(ValueError):
            crops.Box.parse(bad)


def test_odd_orientation_values_mean_upright():
    assert crops.orientation_of("6") == 6
    assert crops.orientation_of(None) == crops.orientation_of(9) == crops.orientation_of("x") == 1
