"""Demo step: one teardown recorded the way an analyst would, with photos of the boards.

The GUR import gives real findings but no photos (the portal's images are not reachable offline), so
this step draws board photos with Pillow (chips with real markings from the GUR data), uploads them
through the evidence service, and records findings with crop boxes that the resolver then proposes.
"""

import io
import random
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from forensics.models import Finding, FindingStatus, Recovery, Sharing, WeaponSystem
from forensics.services import evidence, findings, recoveries

REFERENCE = "DEMO-TEARDOWN-1"

# (board, position, marking as read, box in pixels of the 1600x1200 photo)
BOARDS = {
    "Flight controller": [
        ("U1", "STM32F407\nVGT6\nGH24Q 93", (220, 260, 420, 420)),
        ("U4", "МАХ3490ESA\n2231", (760, 300, 300, 170)),
        ("U7", "LM258\n274 ZD0XG3", (1140, 700, 260, 160)),
    ],
    "Navigation module": [
        ("U2", "NV08C-CSM\nV4.1 1215", (300, 360, 520, 360)),
        ("U5", "ADF 4110B\n323", (980, 640, 300, 200)),
    ],
    "Power board": [
        ("Q3", "IRF7103\nTRPBF", (420, 420, 280, 180)),
        ("U9", "LT1013\nACN8", (900, 380, 280, 200)),
    ],
}


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


def draw_board(title: str, chips, seed: int) -> bytes:
    """A plausible teardown photo: a green PCB, traces, chips with their top markings."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (18, 84, 46))
    draw = ImageDraw.Draw(image)
    for _ in range(160):
        x, y = rng.randrange(0, 1600), rng.randrange(0, 1200)
        length = rng.randrange(60, 400)
        horizontal = rng.random() < 0.5
        end = (x + length, y) if horizontal else (x, y + length)
        draw.line([(x, y), end], fill=(196, 160, 72), width=rng.choice((2, 3, 4)))
    for _ in range(90):
        x, y = rng.randrange(0, 1580), rng.randrange(0, 1180)
        draw.rectangle([x, y, x + 14, y + 7], fill=(120, 90, 60))
    for _position, marking, (x, y, w, h) in chips:
        draw.rectangle([x - 12, y - 12, x + w + 12, y + h + 12], fill=(190, 190, 190))
        draw.rectangle([x, y, x + w, y + h], fill=(28, 28, 30))
        draw.ellipse([x + 10, y + 10, x + 24, y + 24], fill=(60, 60, 64))
        draw.multiline_text(
            (x + 18, y + 34), marking, fill=(214, 214, 208), font=_font(30), spacing=10
        )
    draw.text((30, 1140), title, fill=(240, 240, 240), font=_font(34))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def load_teardown_demo(data_dir: Path) -> str:
    if Recovery.objects.filter(reference=REFERENCE).exists():
        return f"Teardown demo: {REFERENCE} already present."
    analyst = get_user_model().objects.get(username="analyst")
    weapon = WeaponSystem.objects.filter(aliases__name__iexact="Geran-2").first()
    weapon = weapon or WeaponSystem.objects.order_by("name").first()
    recovery = recoveries.create_recovery(
        {
            "reference": REFERENCE,
            "weapon_system": weapon,
            "serial_number": "DEMO-0001",
            "oblast": "Kyivska",
            "location_precision": "oblast",
            "recovering_unit": "Demo unit (restricted)",
            "source": "Demo teardown drawn by load_demo",
            "sharing": Sharing.AMBER,
            "notes": "Synthetic photos for the demo; markings taken from the GUR data.",
        },
        analyst,
    )
    files = [
        SimpleUploadedFile(
            f"{title.lower().replace(' ', '-')}.jpg", draw_board(title, chips, seed), "image/jpeg"
        )
        for seed, (title, chips) in enumerate(BOARDS.items())
    ]
    results = evidence.accept_uploads(recovery, files, analyst, caption="Demo teardown")
    photo_ids = [result.photo.pk for result in results if result.photo is not None]
    created = 0
    for photo_id, (board, chips) in zip(photo_ids, BOARDS.items(), strict=False):
        for position, marking, (x, y, w, h) in chips:
            findings.create_finding(
                analyst,
                recovery=recovery,
                board=board,
                position=position,
                marking=marking,
                photos=[
                    {
                        "photo": photo_id,
                        "crop_x": x,
                        "crop_y": y,
                        "crop_width": w,
                        "crop_height": h,
                    }
                ],
            )
            created += 1
    proposed = Finding.objects.filter(recovery=recovery, status=FindingStatus.PROPOSED)
    return (
        f"Teardown demo: {REFERENCE} with {len(photo_ids)} photos and {created} findings "
        f"({proposed.count()} proposed by the resolver)."
    )
