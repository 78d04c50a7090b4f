"""Speed of catalog.normalize on real part numbers and names, beside a naive regex baseline.

Prints nanoseconds per call and the CPU seconds the catalog import spends per 1,000,000 rows
computing ``norm``, ``base`` and ``fold``. ``python -m bench.normalize [--repeat N]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import timeit
import unicodedata
from pathlib import Path

from catalog.normalize import base, fold, name_key, norm, split_brand_owner

_NAIVE_NON_ALNUM = re.compile(r"[^A-Z0-9]")


def naive_norm(text: str) -> str:
    """The obvious one-liner (no look-alike folding): what norm's speed is compared against."""
    return _NAIVE_NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).upper())


def _data_dir() -> Path:
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return Path(os.environ.get("SHARED_DATA_DIR") or default)


def _load() -> tuple[list[str], list[str]]:
    part_numbers: list[str] = []
    names: list[str] = []
    with (_data_dir() / "digikey-parts.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            part_numbers += [row["mpn"], row["distributor_sku"]]
            names.append(row["manufacturer"])
    with (_data_dir() / "gur-components-dev.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            part_numbers.append(row["name_marking"])
            names.append(row["manufacturer"])
    return part_numbers, names


def _ns_per_call(func, values: list[str], repeat: int) -> float:
    seconds = min(timeit.repeat(lambda: [func(value) for value in values], number=1, repeat=repeat))
    return seconds / len(values) * 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    part_numbers, names = _load()
    ascii_share = sum(value.isascii() for value in part_numbers) / len(part_numbers)
    print(
        f"{len(part_numbers)} part numbers/markings ({ascii_share:.0%} ASCII), {len(names)} names"
    )

    rows = [
        ("naive_norm (baseline)", naive_norm, part_numbers),
        ("norm", norm, part_numbers),
        ("fold", fold, part_numbers),
        ("base", base, part_numbers),
        ("base family=infineon", lambda value: base(value, "infineon"), part_numbers),
        ("name_key (uncached)", name_key.__wrapped__, names),
        ("name_key (cached)", name_key, names),
        ("split_brand_owner", split_brand_owner, names),
    ]
    timings = {}
    print(f"{'function':<24}{'ns/call':>10}")
    for label, func, values in rows:
        timings[label] = _ns_per_call(func, values, args.repeat)
        print(f"{label:<24}{timings[label]:>10.0f}")
    per_row = timings["norm"] + timings["base family=infineon"] + timings["fold"]
    print(f"norm+base+fold per 1,000,000 rows: {per_row * 1e6 / 1e9:.2f} s of one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
