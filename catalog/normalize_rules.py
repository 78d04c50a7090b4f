"""Packaging/ordering suffix rules for :func:`catalog.normalize.base`, kept as data.

Each rule removes one tail from a part number as written.  Patterns run on the *prepared*
text (Unicode compatibility-folded, upper case, look-alikes mapped to Latin, whitespace
removed) and must match at the end of it.

Two kinds of rule:

* **cued** rules start with a punctuation character (``+ # - / ,``).  Such a tail is an
  ordering option whoever made the part, so these rules apply whatever ``family`` is
  given (``family`` only records who uses the notation).
* **uncued** rules (``TR``, ``TRPBF``, ``PBF`` ...) are plain letters that are part of many
  genuine part numbers, so they apply only when the caller names that manufacturer
  family.  They run on the ``norm``-ed text, so they can never contain punctuation.

``example``/``expected`` pairs document every rule and are checked by the test suite.
Start each ``suffix`` with a fixed character (no optional prefix): the rules are searched
as one combined regex, which ``re`` runs much faster when it can skip to the characters a
match can start with.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SuffixRule:
    """One packaging suffix: who uses it, what it matches, and a worked example."""

    family: str
    label: str
    suffix: str
    cued: bool
    example: str
    expected: str
    note: str
    whole: str | None = None
    """Optional regex the whole prepared string must match for the rule to apply."""


FAMILIES: frozenset[str] = frozenset(
    {
        "maxim",  # Maxim Integrated, Dallas Semiconductor (now Analog Devices)
        "linear",  # Linear Technology (now Analog Devices)
        "adi",  # Analog Devices
        "infineon",  # Infineon, International Rectifier
        "ti",  # Texas Instruments, National Semiconductor, Burr-Brown
        "nxp",  # NXP, Philips, Nexperia (12NC packing codes)
        "microchip",  # Microchip, Atmel, Micrel: no suffix rule, "-I/P" is grade/package
        "digikey",  # Digi-Key order codes (a SKU, not an MPN)
        "st",  # STMicroelectronics
        "maxlinear",  # MaxLinear, Exar, Sipex
    }
)

SUFFIX_RULES: tuple[SuffixRule, ...] = (
    # Digi-Key numeric SKUs ("<supplier>-<serial>-<packaging digit>-ND"): the digit is the
    # packaging (1 cut tape, 2 tape and reel, 5 tube, 6 Digi-Reel) and goes with the -ND.
    SuffixRule(
        family="digikey",
        label="-1-ND, -2-ND, -6-ND",
        suffix=r"-\d-ND$",
        whole=r"\d{1,5}-\d+-\d-ND",
        cued=True,
        example="296-1234-1-ND",
        expected="2961234",
        note="Digi-Key numeric SKU with packaging digit (cut tape, reel, Digi-Reel)",
    ),
    SuffixRule(
        family="digikey",
        label="-ND, CT-ND, TR-ND, DKR-ND",
        suffix=r"(?:CT-|TR-|DKR-|-)ND$",
        cued=True,
        example="ADXL335BCPZ-RL7CT-ND",
        expected="ADXL335BCPZ",
        note="Digi-Key order code tail, with its cut-tape/reel/Digi-Reel tag",
    ),
    SuffixRule(
        family="maxim",
        label="+, +T, +TG, +T&R",
        suffix=r"\+[A-Z0-9&]*$",
        cued=True,
        example="MAX3490EESA+T",
        expected="MAX3490EESA",
        note="lead-free mark, optionally followed by tape-and-reel options",
    ),
    SuffixRule(
        family="linear",
        label="#PBF, #TR, #TRPBF, #TRMPBF, #",
        suffix=r"#[A-Z0-9]*$",
        cued=True,
        example="LTC2400CS8#TRPBF",
        expected="LTC2400CS8",
        note="Linear '#' ordering options; bare '#' is also Dallas/Maxim's RoHS mark",
    ),
    SuffixRule(
        family="adi",
        label="-REEL, -REEL7, -R7, -RL, -RL7",
        suffix=r"-(?:REEL7?|RL7?|R7)$",
        cued=True,
        example="AD7450BRZ-REEL7",
        expected="AD7450BRZ",
        note="reel options; the RoHS 'Z' before them is part of the base and stays",
    ),
    SuffixRule(
        family="ti",
        label="/NOPB",
        suffix=r"/NOPB$",
        cued=True,
        example="LM386MX-1/NOPB",
        expected="LM386MX1",
        note="National/TI lead-free; other '/' tails (Microchip '-I/SN') are kept",
    ),
    SuffixRule(
        family="nxp",
        label=",118 ,215 ,115 (,NNN)",
        suffix=r",\d{3}$",
        cued=True,
        example="BAS16,215",
        expected="BAS16",
        note="12NC packing variant written after a comma",
    ),
    SuffixRule(
        family="maxlinear",
        label="/TR",
        suffix=r"/TR$",
        cued=True,
        example="SP3485EN-L/TR",
        expected="SP3485ENL",
        note="Exar/Sipex tape and reel",
    ),
    SuffixRule(
        family="st",
        label="-TR",
        suffix=r"-TR$",
        cued=True,
        example="L7805CD2T-TR",
        expected="L7805CD2T",
        note="tape and reel written after a dash",
    ),
    SuffixRule(
        family="infineon",
        label="PBF, TRPBF, TRLPBF, TRRPBF",
        suffix=r"(?:TR[LR]?PBF|PBF)$",
        cued=False,
        example="IRF7103TRPBF",
        expected="IRF7103",
        note="IR lead-free, optionally after tape-and-reel (L/R: reel orientation)",
    ),
    SuffixRule(
        family="infineon",
        label="TR, TRL, TRR",
        suffix=r"TR[LR]?$",
        cued=False,
        example="IRF7103TR",
        expected="IRF7103",
        note="IR tape and reel",
    ),
    SuffixRule(
        family="st",
        label="TR",
        suffix=r"TR$",
        cued=False,
        example="LIS3DHTR",
        expected="LIS3DH",
        note="ST tape and reel appended to the order code",
    ),
)

UNCUED_MIN_STEM = 3
"""An uncued rule leaves at least this many characters, including a digit."""
