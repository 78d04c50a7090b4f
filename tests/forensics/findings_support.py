"""Helpers for the findings tests: a scripted stand-in for the resolver and a small world.

The fake replaces `catalog.resolver.resolve`/`learn`/`unlearn` (the one interface forensics uses), so these
tests pin the findings rules whatever the resolver's own heuristics answer.
"""

import datetime
from dataclasses import dataclass, field

from catalog.models import Organisation
from forensics.models import Finding, Photo, Recovery, Sharing, WeaponSystem
from tests.factories import OrganisationFactory, PartFactory


@dataclass
class FakeDateCode:
    token: str
    rule: str
    start: datetime.date
    end: datetime.date
    after_export_controls: bool = False
    possibly_after: bool = False


@dataclass
class FakeResolution:
    status: str = "unknown"
    candidates: list = field(default_factory=list)
    date_code: FakeDateCode | None = None
    lot_code: str | None = None

    def to_dict(self):
        dc = self.date_code
        return {
            "status": self.status,
            "candidates": [dict(c) for c in self.candidates],
            "date_code": None
            if dc is None
            else {
                "token": dc.token,
                "rule": dc.rule,
                "start": dc.start.isoformat(),
                "end": dc.end.isoformat(),
                "after_export_controls": dc.after_export_controls,
                "possibly_after": dc.possibly_after,
            },
            "lot_code": self.lot_code,
        }


def candidate(part=None, score=0.9, *, manufacturer=None, match=None, reasons=("exact MPN",)):
    maker = manufacturer or part.manufacturer
    owner = maker.owner or maker
    return {
        "part_id": part.pk if part else None,
        "mpn": part.mpn if part else None,
        "manufacturer_id": maker.pk,
        "manufacturer": maker.name,
        "owner_id": owner.pk,
        "owner": owner.name,
        "country": maker.country,
        "score": score,
        "part_score": score if part else 0.0,
        "match": match or ("exact" if part else "maker"),
        "reasons": list(reasons),
    }


class FakeResolver:
    def __init__(self):
        self.answers: dict[str, FakeResolution] = {}
        self.calls: list[str] = []
        self.learned: list[tuple] = []
        self.unlearned: list[tuple] = []
        self.fail = False

    def answer(self, text, status="confident", candidates=(), date_code=None, lot_code=None):
        self.answers[text] = FakeResolution(status, list(candidates), date_code, lot_code)

    def resolve(self, text):
        self.calls.append(text)
        if self.fail:
            raise RuntimeError("resolver down")
        return self.answers.get(text, FakeResolution())

    def learn(self, marking, part_id, manufacturer_id, finding_id):
        self.learned.append((marking, part_id, manufacturer_id, finding_id))

    def unlearn(self, marking, part_id, manufacturer_id, finding_id):
        self.unlearned.append((marking, part_id, manufacturer_id, finding_id))


def weapon_system(name="Test Drone") -> WeaponSystem:
    system, _ = WeaponSystem.objects.get_or_create(
        name=name, defaults={"slug": name.lower().replace(" ", "-"), "kind": "attack_uav"}
    )
    return system


def recovery(sharing=Sharing.RED, reference=None, system=None, **fields) -> Recovery:
    count = Recovery.objects.count()
    return Recovery.objects.create(
        reference=reference or f"REC-{sharing}-{count + 1}",
        weapon_system=system or weapon_system(),
        sharing=sharing,
        recovering_unit="93rd Brigade EOD",
        source="Field team 4",
        latitude=48.5,
        longitude=35.1,
        **fields,
    )


def finding(rec: Recovery, marking="LM258 274", **fields) -> Finding:
    return Finding.objects.create(recovery=rec, marking=marking, **fields)


def photo(rec: Recovery, name="board.jpg", width=4000, height=3000) -> Photo:
    count = Photo.objects.count()
    return Photo.objects.create(
        recovery=rec,
        original=f"evidence/originals/{rec.pk}/{count}-{name}",
        original_name=name,
        content_type="image/jpeg",
        sha256=f"{count:064x}",
        size_bytes=1234,
        width=width,
        height=height,
        exif={"GPSInfo": {"lat": 48.5}},
        state="ready",
    )


def brand_of(owner: Organisation, name="Brand Of A") -> Organisation:
    return OrganisationFactory(
        name=name, slug=name.lower().replace(" ", "-"), owner=owner, country="DE"
    )


def part_of(maker: Organisation, mpn: str, hs_code="854231"):
    return PartFactory(manufacturer=maker, mpn=mpn, hs_code=hs_code)
