"""Builds ``description_words.txt``: the English words analysts write around a marking.

The tokenizer must tell ``Transceiver`` and ``TRANSCEIVERS`` (description) from ``OAL`` or
``MAX`` (marking). Lower- and title-case words are description anyway; the list matters
for words typed in capitals and for short title-case words. It is built from the GUR file
(``category``, ``function`` and ``name_marking``): words of three or more letters, no
digit, written in lower or title case, minus :data:`NOT_DESCRIPTIVE` (brands, product
families and words that are also part-number prefixes, which must stay marking tokens).

Regenerate after the reference data changes::

    python -m catalog.resolver.vocabulary ../shared/data/gur-components-dev.csv \
        > catalog/resolver/description_words.txt
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable
from pathlib import Path

WORDS_FILE = Path(__file__).with_name("description_words.txt")
SOURCE_COLUMNS = ("category", "function", "name_marking")
MIN_LENGTH = 3

NOT_DESCRIPTIVE = frozenset(
    {
        # Brands, makers and product families: names, not descriptions; in capitals they
        # stay marking tokens so the resolver can weigh them.
        "artix", "atmel", "bosch", "broadcom", "canon", "catrine", "coilcraft", "comet",
        "cortex", "cummins", "cyclone", "delphi", "dualsky", "ebmpapst", "geode", "hercules",
        "intel", "jurid", "kenko", "linear", "maxim", "phantom", "pixhawk", "prestolite",
        "rotax", "sensis", "sitara", "spartan", "stratix", "thales", "transcend", "unistrong",
        "virtex", "volvo", "wabco", "winbond", "xilinx",
        # Short words that are also part-number prefixes or product names.
        "neo", "tau", "mod", "max",
    }
)  # fmt: skip

_WORD_SPLIT = re.compile(r"[^\w]+|_")
_ASCII_WORD = re.compile(r"[A-Za-z]+")


def _is_ordinary(word: str) -> bool:
    return word.islower() or (word[0].isupper() and word[1:].islower())


def collect(rows: Iterable[dict[str, str]]) -> list[str]:
    """Sorted lower-case description words from GUR-shaped rows."""
    found: set[str] = set()
    for row in rows:
        for column in SOURCE_COLUMNS:
            for word in _WORD_SPLIT.split(row.get(column) or ""):
                ordinary = _ASCII_WORD.fullmatch(word) and _is_ordinary(word)
                if ordinary and len(word) >= MIN_LENGTH:
                    found.add(word.lower())
    return sorted(found - NOT_DESCRIPTIVE)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m catalog.resolver.vocabulary GUR_CSV", file=sys.stderr)
        return 2
    with open(argv[0], newline="", encoding="utf-8") as handle:
        words = collect(csv.DictReader(handle))
    sys.stdout.write(
        "# Description words from the GUR components file; see catalog/resolver/vocabulary.py\n"
    )
    sys.stdout.write("".join(f"{word}\n" for word in words))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
