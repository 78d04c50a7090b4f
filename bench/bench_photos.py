"""Photo processing speed and near-duplicate search at scale, each beside its naive counterpart.

1. A generated 12-megapixel JPEG (4000×3000, EXIF orientation 6 and GPS) processed as the worker
   does (`forensics.services.evidence.derive`: SHA-256, decode, orientation, display and thumbnail
   JPEGs without metadata, pHash of four rotations), step by step, beside the obvious pipeline
   (full-size decode, direct LANCZOS resizes, pHash of four full-size rotations). Target: ≤ 0.5 s.
2. Near-duplicate search among N photos' rows (default 200,000) in a throwaway test database
   (SQLite in memory, or PostgreSQL when DATABASE_URL points there): the band-indexed query of
   `find_duplicates` beside reading every hash and comparing in Python, for uniformly random
   hashes and for clustered ones; and the measured recall of planted near-duplicates.

`python -m bench.bench_photos [--repeat 5] [--photos 200000] [--skip-search]`
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forensics.test_settings")

import django  # noqa: E402

django.setup()

import hashlib  # noqa: E402

import imagehash  # noqa: E402
import numpy  # noqa: E402
from PIL import ExifTags, Image, ImageOps  # noqa: E402

from forensics.services import evidence  # noqa: E402

SIZE = (4000, 3000)


def make_jpeg(size=SIZE, seed: int = 7) -> bytes:
    """A photo-like JPEG: smooth gradients, shapes and sensor noise (about 4 MB at quality 90)."""
    rng = numpy.random.default_rng(seed)
    width, height = size
    x = numpy.linspace(0, 1, width, dtype=numpy.float32)
    y = numpy.linspace(0, 1, height, dtype=numpy.float32)[:, None]
    red = 90 + 120 * x + 30 * numpy.sin(9 * y)
    green = 70 + 100 * y + 20 * numpy.cos(7 * x)
    blue = 60 + 60 * (x * y)
    image = numpy.stack(numpy.broadcast_arrays(red, green, blue), axis=-1)
    for _ in range(40):
        x0, y0 = int(rng.integers(0, width - 400)), int(rng.integers(0, height - 300))
        image[y0 : y0 + int(rng.integers(50, 300)), x0 : x0 + int(rng.integers(50, 400))] = (
            rng.integers(0, 256, 3)
        )
    image += rng.normal(0, 6, size=image.shape).astype(numpy.float32)
    picture = Image.fromarray(image.clip(0, 255).astype(numpy.uint8))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchCam"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {1: "N", 2: (50.0, 27.0, 3.0), 3: "E", 4: (30.0, 31.0, 24.0)}
    )
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def naive(data: bytes) -> dict[str, float]:
    """The obvious pipeline, for comparison: full decode, direct resizes, full-size pHashes."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name):
        nonlocal started
        now = time.perf_counter()
        timings[name] = now - started
        started = now

    hashlib.sha256(data).hexdigest()
    lap("sha256")
    image = Image.open(io.BytesIO(data))
    evidence.extract_exif(image)
    lap("open + EXIF")
    image.load()
    lap("decode")
    upright = ImageOps.exif_transpose(image).convert("RGB")
    lap("orient")
    display = upright.resize(evidence._fit(upright.size, 1600), Image.Resampling.LANCZOS)
    thumbnail = upright.resize(evidence._fit(upright.size, 320), Image.Resampling.LANCZOS)
    lap("resize")
    for picture, quality in ((display, 85), (thumbnail, 80)):
        picture.info = {}
        picture.save(io.BytesIO(), format="JPEG", quality=quality)
    lap("encode JPEGs")
    for rotation in evidence.ROTATIONS:
        imagehash.phash(upright if rotation is None else upright.transpose(rotation))
    lap("pHash x4")
    return timings


def fast(data: bytes) -> dict[str, float]:
    return evidence.derive(io.BytesIO(data)).timings


def bench_processing(repeat: int) -> float:
    data = make_jpeg()
    print(f"12-megapixel JPEG {SIZE[0]}×{SIZE[1]}, {len(data) / 1e6:.1f} MB, orientation 6 + GPS")
    runs = {
        "naive": [naive(data) for _ in range(repeat)],
        "derive": [fast(data) for _ in range(repeat)],
    }
    steps = list(runs["derive"][0])
    print(f"  median (best) of {repeat} runs, ms")
    print(f"  {'step':<14}{'naive':>16}{'derive':>16}")

    def cell(values):
        return f"{statistics.median(values) * 1e3:.1f} ({min(values) * 1e3:.1f})"

    for step in steps:
        cells = [cell([run[step] for run in runs[name]]) for name in runs]
        print(f"  {step:<14}{cells[0]:>16}{cells[1]:>16}")
    totals = {name: [sum(run.values()) for run in samples] for name, samples in runs.items()}
    print(f"  {'total':<14}{cell(totals['naive']):>16}{cell(totals['derive']):>16}")
    median = statistics.median(totals["derive"])
    target = "meets" if median <= 0.5 else "MISSES"
    print(f"  derive {target} the 0.5 s target (median {median:.3f} s, {os.cpu_count()} CPUs)")
    return median


# ----------------------------------------------------------------------------- duplicate search


def _bands(value: int) -> dict[str, int]:
    return {f"phash_band{index}": evidence.band(value, index) for index in range(4)}


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def _fill(count: int, clustered: bool, rng: random.Random) -> list[int]:
    """`count` hashes: uniform, or around 2,000 centres (similar scenes photographed often)."""
    if not clustered:
        return [rng.getrandbits(64) for _ in range(count)]
    centres = [rng.getrandbits(64) for _ in range(2000)]
    return [_flip(rng.choice(centres), rng.randint(9, 20), rng) for _ in range(count)]


def bench_search(count: int, probes: int = 200) -> None:
    from django.db import connection
    from django.test.utils import setup_test_environment

    from forensics.models import Photo, Recovery, WeaponSystem

    setup_test_environment()
    engine = connection.vendor
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        system = WeaponSystem.objects.first()
        recovery = Recovery.objects.create(reference="BENCH", weapon_system=system)
        rng = random.Random(3)
        for clustered in (False, True):
            Photo.objects.all().delete()
            hashes = _fill(count, clustered, rng)
            started = time.perf_counter()
            batch = []
            for index, value in enumerate(hashes):
                batch.append(
                    Photo(
                        recovery=recovery,
                        original=f"bench/{index}.jpg",
                        original_name=f"{index}.jpg",
                        content_type="image/jpeg",
                        sha256=f"{index:064x}",
                        size_bytes=1,
                        phash=f"{value:016x}",
                        state="ready",
                        **_bands(value),
                    )
                )
                if len(batch) == 5000:
                    Photo.objects.bulk_create(batch)
                    batch = []
            Photo.objects.bulk_create(batch)
            if engine == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE forensics_photo")
            loaded = time.perf_counter() - started
            probe_photo = Photo(pk=0, sha256="f" * 64)
            timings, candidates, found = [], [], 0
            for _ in range(probes):
                base = rng.choice(hashes)
                query = [_flip(base, rng.randint(0, 8), rng)] + [
                    rng.getrandbits(64) for _ in range(3)
                ]
                started = time.perf_counter()
                matches = evidence.find_duplicates(probe_photo, query)
                timings.append(time.perf_counter() - started)
                found += bool(matches)
                candidates.append(_candidate_count(Photo, query))
            started = time.perf_counter()
            every = Photo.objects.values_list(
                "pk", "phash_band0", "phash_band1", "phash_band2", "phash_band3"
            )
            scan_hits = 0
            for _pk, b0, b1, b2, b3 in every.iterator(chunk_size=10000):
                other = (b0 << 48) | (b1 << 32) | (b2 << 16) | b3
                if min((value ^ other).bit_count() for value in query) <= 8:
                    scan_hits += 1
            scan = time.perf_counter() - started
            label = "clustered" if clustered else "uniform"
            print(
                f"  {label:<9} {count:>7,} rows ({engine}, loaded in {loaded:.0f} s): band query "
                f"median {statistics.median(timings) * 1e3:.1f} ms, p95 "
                f"{sorted(timings)[int(len(timings) * 0.95)] * 1e3:.1f} ms, "
                f"{statistics.median(candidates):.0f} candidates; full scan in Python "
                f"{scan * 1e3:.0f} ms; planted near-duplicates found {found}/{probes}"
            )
        recall(Photo, recovery, rng)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _candidate_count(Photo, query: list[int]) -> int:
    from django.db.models import Q

    condition = Q()
    for index in range(4):
        values = sorted(
            {p for value in query for p in evidence._probe_values(evidence.band(value, index))}
        )
        condition |= Q(**{f"phash_band{index}__in": values})
    return Photo.objects.filter(condition).count()


def recall(Photo, recovery, rng: random.Random, pairs: int = 1000) -> None:
    """Share of planted pairs found, per Hamming distance (the band scheme's trade-off)."""
    Photo.objects.all().delete()
    by_distance = {}
    for distance in (4, 6, 7, 8):
        stored = []
        for _ in range(pairs):
            value = rng.getrandbits(64)
            stored.append((value, _flip(value, distance, rng)))
        Photo.objects.bulk_create(
            Photo(
                recovery=recovery,
                original=f"recall/{distance}/{index}.jpg",
                original_name="r.jpg",
                content_type="image/jpeg",
                sha256=f"{distance:08x}{index:056x}",
                size_bytes=1,
                state="ready",
                **_bands(value),
            )
            for index, (value, _) in enumerate(stored)
        )
        probe_photo = Photo(pk=0, sha256="f" * 64)
        found = sum(bool(evidence.find_duplicates(probe_photo, [near])) for _, near in stored)
        by_distance[distance] = found / pairs
        Photo.objects.all().delete()
    shown = ", ".join(f"d={d}: {share:.1%}" for d, share in by_distance.items())
    print(f"  recall of planted pairs (distance → found): {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--photos", type=int, default=int(os.environ.get("BENCH_PHOTOS", 200_000)))
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args(argv)
    bench_processing(args.repeat)
    if not args.skip_search:
        print("Near-duplicate search (4 rotation hashes per probe, distance ≤ 8):")
        bench_search(args.photos)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
