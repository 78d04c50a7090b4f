"""Realistic part-number catalogs of any size, for the import benchmark and the resolver's test sets.

    python bench/generate_parts.py --rows 1000000 --seed 1 --out /tmp/parts-1m.csv

writes a CSV in the import layout (`HEADER`). Part numbers are built the way manufacturers build
them: a prefix family from `catalog/data/manufacturers.json` (or a synthetic maker's own), series
digits, variant/grade/package/temperature codes and a packaging suffix in the maker's notation
(Maxim `+`/`+T`, Linear `#PBF`/`#TRPBF`, ADI `-REEL7`, IR `TRPBF`, TI `R`/`T` and National
`/NOPB`, NXP `,118`, Microchip `-I/SN`...). Parts come in families that share a base
(LTC3414EFE, LTC3414EFE#PBF, LTC3414EFE#TRPBF).

Guarantees, for any size and seed:

* every MPN is unique per manufacturer after `norm` (upper case, only A-Z0-9), by construction
  and without remembering what was written, so memory stays constant: each prefix's series is a
  concatenation of prefix-free codes drawn without repetition (a counter through a permutation),
  a maker's prefixes cannot run into each other, and the tails of one family are deduplicated;
* Digi-Key SKUs are unique (a running serial number);
* the output depends only on `--rows` and `--seed`.

The Python API (`iter_parts`, `write_csv`, `MANUFACTURERS`, `CAPACITY`) lets other benchmarks reuse
the generator, e.g. to perturb part numbers for the resolver.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import itertools
import json
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_DATA = ROOT / "catalog" / "data" / "manufacturers.json"
HEADER = (
    "mpn",
    "manufacturer",
    "category",
    "family",
    "description",
    "hs_code",
    "eccn",
    "status",
    "datasheet",
    "distributor",
    "distributor_sku",
)
DISTRIBUTOR = "Digi-Key"
DISTRIBUTOR_SHARE = 0.30
ALIAS_SHARE = 0.10
"""Share of families whose manufacturer is written with one of its aliases, as real feeds do."""

_DROP = "".join(chr(c) for c in range(128) if not chr(c).isalnum())
_NORM = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", _DROP)


def _words(text: str) -> tuple[str, ...]:
    """Space-separated table cells (keeps the data tables below compact)."""
    return tuple(text.split())


def norm(text: str) -> str:
    """Lookup form of the ASCII part numbers written here (upper case, A-Z0-9 only), the same as
    ``catalog.normalize.norm`` gives for them: what uniqueness is guaranteed under."""
    return text.translate(_NORM)


# --------------------------------------------------------------------------- series shapes

_SHAPE_TOKEN = re.compile(r"\(([^()]*)\)|(.)")
_CLASSES = {"D": "123456789", "d": "0123456789", "a": "ABCDEFGHJKLMNPRSTUVWXYZ"}


class Shape:
    """A series template: a sequence of tokens, each a set of strings.

    ``"(F|G|L)Ddd"`` is one letter of F/G/L, a digit 1-9 and two digits 0-9. Tokens: ``(a|b)``
    a set; ``D`` 1-9; ``d`` 0-9; ``a`` a letter (no I/O/Q); anything else literal.

    Checked on construction: within a token, one option may extend another (``HC``/``HCT``)
    only if the extending character cannot start what follows (``HC`` + ``00`` never reads as
    ``HCT`` + ...); the last token must be prefix-free. So every series reads back one way
    only, and no series is a proper prefix of another: different indexes give different
    ``norm`` forms, and a tail can never be mistaken for series.
    """

    __slots__ = ("spec", "tokens", "size", "first")

    def __init__(self, spec: str) -> None:
        tokens = []
        for match in _SHAPE_TOKEN.finditer(spec):
            group, char = match.groups()
            tokens.append(
                tuple(group.split("|")) if group is not None else tuple(_CLASSES.get(char, char))
            )
        for i, options in enumerate(tokens):
            _check_token(spec, options, _first_chars(tokens[i + 1 :]))
        self.spec = spec
        self.size = math.prod(len(t) for t in tokens)
        self.first = _first_chars(tokens)
        self.tokens = tuple(reversed(_merged(tokens)))

    def decode(self, index: int) -> str:
        parts = []
        for options in self.tokens:
            index, pick = divmod(index, len(options))
            parts.append(options[pick])
        return "".join(reversed(parts))


def _merged(tokens: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Fold literals into their neighbours and digit runs into one token: same strings, same
    order of indexes, fewer steps per decode."""
    merged: list[tuple[str, ...]] = []
    for options in tokens:
        if merged and (len(options) == 1 or len(merged[-1]) == 1 or _digits(merged[-1], options)):
            merged[-1] = _product(merged[-1], options)
        else:
            merged.append(options)
    return merged


def _digits(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Both are digit classes and their product stays small enough to keep as a table."""
    return len(a) * len(b) <= 10_000 and all(o.isdigit() for o in a + b)


@functools.cache
def _product(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(x + y for x in a for y in b)


def _check_token(spec: str, options: tuple[str, ...], following: frozenset[str]) -> None:
    keys = [norm(o) for o in options]
    if len(set(keys)) != len(keys) or (any(keys) and not all(keys)):
        raise ValueError(
            f"shape {spec!r}: options {options} repeat or mix empty and non-empty forms"
        )
    for a in keys:
        for b in keys:
            if a != b and b.startswith(a) and (not following or b[len(a)] in following):
                raise ValueError(
                    f"shape {spec!r}: {a!r} followed by what comes next can read as {b!r}"
                )


def _first_chars(tokens) -> frozenset[str]:
    """Characters the ``norm`` form of these tokens can start with (empty: nothing follows)."""
    for options in tokens:
        keys = [norm(o) for o in options]
        if all(keys):
            return frozenset(k[0] for k in keys)
    return frozenset()


# --------------------------------------------------------------------------- tail styles


@dataclass(frozen=True, slots=True)
class Style:
    """How a maker writes what follows the series: variant slots, voltage option, packaging.

    ``cores`` is every combination of the slots (one draw picks a variant), with ``norm`` forms
    precomputed in ``core_keys``/``pack_keys`` so that deduplicating tails costs no translation.
    """

    slots: tuple[tuple[str, ...], ...]
    packs: tuple[str, ...]
    volts: tuple[str, ...]
    cores: tuple[str, ...]
    core_keys: tuple[str, ...]
    pack_keys: tuple[str, ...]
    volt_keys: tuple[str, ...]


def _s(*slots: str, packs: str = "", volts: str = "") -> Style:
    """Slots as space-separated option lists; ``_`` stands for the empty option."""

    def split(text: str) -> tuple[str, ...]:
        return tuple("" if o == "_" else o for o in text.split())

    slot_options = tuple(split(s) for s in slots)
    cores = tuple("".join(combo) for combo in itertools.product(*slot_options))
    pack_options = split(packs) if packs else ("",)
    volt_options = split(volts)
    return Style(
        slot_options,
        pack_options,
        volt_options,
        cores,
        tuple(norm(c) for c in cores),
        tuple(norm(p) for p in pack_options),
        tuple(norm(v) for v in volt_options),
    )


# fmt: off
STYLES: dict[str, Style] = {
    "maxim": _s("_ _ _ A B E", "C E A M", "SA PA UA UB EE TE TG TJ TT WE EG UT ZT AP AI SE EU", packs="+ +T"),
    "linear": _s(
        "C I E H MP",
        "S8 MS8 MS8E MSE DD DE FE GN UF UFD S6 TS8 DCB DHC SW N8",
        packs="_ #PBF #TRPBF #TRMPBF",
        volts="-1.8 -2.5 -3.3 -5",
    ),
    "adi": _s("A B J K S T W Y", "R RM RU RT RJ CP CC ST RQ CB UJ KS RW", "Z Z Z _", packs="_ -REEL7 -REEL -R7 -RL -RL7"),
    "ti": _s("_ _ _ A B", "DBV DGK RGT D PW DRL DCK RTE DSG DRC RUM YZF DGS DDA RGE PWP DBQ RHB RSA", packs="_ R T"),
    "national": _s("_ _ A", "M MX MM MMX N S SX T MP MPX MF MA TL", packs="_ /NOPB", volts="-ADJ -3.3 -5.0 -1.8 -12"),
    "nxp": _s("T TS BS N D PW DP HN BQ GM GU TK FBD100 FBD64 FBD48 HL BD", "_ _ _ /CM /N1 /3", packs="_ ,112 ,118 ,115 ,518 ,551 ,557"),
    "freescale": _s("C V M", "DTE FJE LCE LHE PJE VLH VLL MLH VLQ VMD CLK FM", packs="_ R"),
    "microchip": _s("_ _ _ A B", "_ T", "-", "I E H V", "/", "P SN SO ST MS OT MF ML PT SS MC MNY SP MV MQ PF LT CS"),
    "atmel": _s("_ P A PA PB U", "-", "_ _ 10 16 20", "AU PU MU MMH SU SSU XU CU AN MN SH SSH", packs="_ R"),
    "stm32": _s("C R V Z K T G F Q I A", "4 6 8 B C D E F G I Z", "T H U Y I P J M", "6 7 3", packs="_ TR"),
    "st": _s("_ _ A B C", "CV CD2T DT CDT D2T P T F M ML N Q ST FP PT SP PD S", packs="_ TR -E", volts="33 50 18 25 12"),
    "ir": _s("_ _ N Z S L NS", packs="PBF TRPBF STRLPBF TR _"),
    "infineon_mos": _s("_ _ G I 5", packs="_ ATMA1 ATMA2 XTMA1 AUMA1"),
    "infineon_ic": _s("G GS D EL EJ QV SJ LD DV E", packs="_ XUMA1 XUMA2 HTMA1 AKSA1 XKSA1"),
    "onsemi": _s("_ _ A B", "D DT ST SN MN DW P T DR2 FA MU", packs="G R2G T1G T3G RKG _", volts="33 50 18 ADJ 25 15"),
    "fairchild": _s("_ _ A AN Z L", packs="_ _F085"),
    "renesas": _s("A B C _", "FB FP FA NB LA BG GB DFB DFP DNA GA GF", packs="_ #V0 #30 #AA0 #10 #YHS"),
    "vishay": _s("CDS DS DY ADP DP BDL EDH CDL BDY ADY", packs="-T1-GE3 -T1-E3 -GE3 -E3 _"),
    "generic_ic": _s("_ _ A B C", "S SE M MS Q QF T TS D DF N U UF W", "_ _ I C E A", packs="_ TR -T R G", volts="-3.3 -5.0 -1.8 -ADJ -2.5"),
    "discrete": _s("_ _ A B L U S W K", packs="_ -7 -13 -7-F TR -TP -E3 G T1G RL"),
    "xilinx": _s("T _", "-1 -2 -3 -1L -2L", "CSG324 FGG484 FTG256 CPG236 CLG400 CLG484 FFG676 FFG900 TQG144 SBG484 FBG676", "C I E Q"),
    "altera": _s("F17 F23 F256 E144 E22 T144 U169 M164 F484 U256 Q240", "C6 C7 C8 I7 A7 C5 I5", packs="N G _ ES"),
    "lattice": _s("-", "1 2 3 4 5 6 7 8", "TG144 TN100 MG132 BG256 SG48 CM81 CB132 BG381 QN84 UWG30", "C I", packs="_ TR"),
    "microsemi": _s("-", "_ _ 1 2 STD", "VQG100 FGG144 FG256 PQ208 FG484 VFG400 FCG484 QNG48 CS196", "_ _ I M"),
    "flash": _s("SS SF ZP XG TB SN WS ZE", "IQ IG IM IP JQ EQ", packs="_ TR"),
    "macronix": _s("M2I ZNI MI XCI Z2I ZNJ MI2", "-", "10G 08G 12G 08H 10H", packs="_ R"),
    "spansion": _s("AG AB FA AH", "MFI NFI BHI MFV MFA", "00 01 10", "1 0 3"),
    "amd_flash": _s("-", "70 90 55 120", "EI EC EF SI EIN"),
    "dram": _s("TW HA JT RH BL DA", "-", "107 125 093 15E 062", packs="_ :P :E IT:P AAT:P"),
    "samsung": _s("-", "BCK0 BCMA BYK0 MCK0 HCK0 BCPB", packs="_ T"),
    "hynix": _s("-", "PBC H9C RDC TEC MBC", packs="_ R"),
    "sram": _s("-", "6 7 8 10 12 55 70", "TL TLI BLI TI BI TIN TCN BIN", packs="_ -TR"),
    "nordic": _s("-", "QF QI CK QA CI QD", "AA AB AC AE AF", packs="_ -R -R7 -T"),
    "espressif": _s("_ -V3 -N8 -N16R8 -H4 -N4R2 -N8R8 Q6"),
    "ublox": _s("Q N S T L F P", "-", "0 1 2 10", packs="_ -01 -00B"),
    "avago": _s("_ _ A Z L", packs="_ -000E -500E -300E -060E -TR1G"),
    "module": _s("_ -A -B -C -I -E -S", packs="_ -T -TR -R"),
    "minicircuits": _s("_ _ L H M", packs="+ +T"),
    "mlcc_murata": _s("J K M B C D", "A01 A93 E19 A88 A15 E01 AA3 A02", packs="D L J"),
    "mlcc_tdk": _s("K M J", "080AA 080AC 050BB 050BC 125AA 160AA 250AA"),
    "mlcc_kemet": _s("K M J", "5 3 4 8 1 2 6", "R G P U", "AC", packs="TU 7411 7210 AUTO 7867"),
    "tantalum": _s("K M", "004 006 010 016 020 025 035 050", "R A", packs="NJ T AT TE _"),
    "alu_cap": _s("M K", "PD ED DD HD PH PA", packs="_ 1TD 1TA 6"),
    "resistor": _s("F J D B", "K E T", packs="EA TA EB EC"),
    "resistor_short": _s("V X P"),
    "yageo_res": _s("L"),
    "inductor": _s("- _", "1R0 2R2 4R7 100 220 470 101 221 471 102 3R3 6R8 150 330 680", "M N K L Y", packs="_ T C E EB TR"),
    "ferrite": _s("SN1 SH1 BN1 TN1 SZ1 ATA00 BTA25", packs="D L B _"),
    "connector": _s("_ _ -RA -SM -V -H -LF", packs="_ -TR -T"),
    "crystal": _s("-", "STD CRG SMD SRN RF", "-", "1 2 T G", packs="_ -TR"),
    "dcdc": _s("S D", "-", "1W 2W 3W 6W 10W", "R3 R2 _", packs="_ -SMD -TR"),
    "relay": _s("-", "5V 12V 24V 3V 9V 48V", "_ -S -H -1 -Z", packs="_ DC"),
    "plain": _s("_"),
}
# fmt: on

# --------------------------------------------------------------------------- kinds

# fmt: off
_COMMON = {
    "pins": _words("6 8 10 14 16 20 24 28 32 40 44 48 64 80 100 144 256 484"),
    "pkg": _words("SOIC SOT23 TSSOP MSOP QFN VQFN DFN WSON LQFP TQFP BGA WLCSP SOT223 TO220 DPAK D2PAK SC70 SSOP"),
    "amp": _words("0.1 0.25 0.5 1 1.5 2 3 4 5 6 8 10"),
    "v": _words("1.8V 2.5V 3.3V 5V 12V 15V 24V 30V 40V 60V 100V"),
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Kind:
    """What a part is: its Digi-Key category, (family, description template) pairs, HS codes, ECCNs."""

    name: str
    category: str
    products: tuple[tuple[str, str], ...]
    hs_codes: tuple[str, ...]
    shape: str
    style: str
    eccn: tuple[str, ...]
    volts: bool


def _k(name, category, hs, style, products, eccn="EAR99 EAR99 EAR99 _", volts=False, shape="Dddd"):
    """``products``: lines of ``Digi-Key family | description template``."""
    pairs = tuple(
        tuple(part.strip() for part in line.split("|")) for line in products.strip().splitlines()
    )
    return Kind(
        name=name,
        category=category,
        products=pairs,
        hs_codes=tuple(hs.split()),
        shape=shape,
        style=style,
        eccn=tuple("" if e == "_" else e for e in eccn.split()),
        volts=volts,
    )


IC = "Integrated Circuits (ICs)"
DISCRETE = "Discrete Semiconductor Products"
RF = "RF/IF and RFID"
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _k(
            "mcu",
            IC,
            "854231",
            "generic_ic",
            """
            Embedded - Microcontrollers | IC MCU {bits}BIT {flash}KB FLASH {pins}{pkg}
            Embedded - Microcontrollers | IC MCU {bits}BIT ROMLESS {pins}{pkg}
            Embedded - Microcontrollers - Application Specific | IC MCU {bits}BIT USB {flash}KB FLASH {pins}{pkg}
            """,
            eccn="EAR99 EAR99 5A992.c 3A991.a.2 _",
        ),
        _k(
            "soc",
            IC,
            "854231",
            "generic_ic",
            """
            Embedded - System On Chip (SoC) | IC SOC CORTEX-A{core} {ghz}GHZ {pins}BGA
            Embedded - Microprocessors | IC MPU {bits}BIT {ghz}GHZ {pins}BGA
            Interface - Video Bridges | IC VIDEO BRIDGE MIPI CSI-2 {pins}BGA
            """,
            eccn="5A992.c 5A992.c 3A991.a.1 EAR99",
        ),
        _k(
            "dsp",
            IC,
            "854231",
            "generic_ic",
            """
            Embedded - DSP (Digital Signal Processors) | IC DSP FIXED/FLOAT POINT {pins}{pkg}
            Embedded - DSP (Digital Signal Processors) | IC DSP {bits}BIT {mhz}MHZ {pins}{pkg}
            """,
            eccn="3A991.a.2 EAR99 5A992.c",
        ),
        _k(
            "fpga",
            IC,
            "854231",
            "generic_ic",
            """
            Embedded - FPGAs (Field Programmable Gate Array) | IC FPGA {io} I/O {pins}{pkg}
            Embedded - FPGAs (Field Programmable Gate Array) | IC FPGA {cells}K LOGIC CELLS {pins}BGA
            """,
            eccn="3A991.d 3A991.d EAR99 3A001.a.7.a",
        ),
        _k(
            "cpld",
            IC,
            "854231",
            "generic_ic",
            """
            Embedded - CPLDs (Complex Programmable Logic Devices) | IC CPLD {cells} MACROCELL {pins}{pkg}
            Embedded - CPLDs (Complex Programmable Logic Devices) | IC CPLD {io} I/O {pins}TQFP
            """,
            eccn="EAR99 3A991.d",
        ),
        _k(
            "flash",
            IC,
            "854232",
            "flash",
            """
            Memory | IC FLASH {mbit}MBIT SPI/QUAD I/O {pins}{pkg}
            Memory | IC FLASH {mbit}MBIT PARALLEL {pins}TSOP
            Memory | IC FLASH NAND {gbit}GBIT {pins}BGA
            Memory | IC FRAM {kbit}KBIT SPI {mhz}MHZ {pins}SOIC
            """,
        ),
        _k(
            "dram",
            IC,
            "854232",
            "dram",
            """
            Memory | IC DRAM {gbit}GBIT PARALLEL {pins}FBGA
            Memory | IC SDRAM {mbit}MBIT {mhz}MHZ {pins}TSOP II
            Memory | IC SRAM {mbit}MBIT PARALLEL {pins}TSOP II
            Memory | IC MRAM {mbit}MBIT PARALLEL {pins}TSOP II
            """,
        ),
        _k(
            "eeprom",
            IC,
            "854232",
            "generic_ic",
            """
            Memory | IC EEPROM {kbit}KBIT I2C {khz}KHZ {pins}{pkg}
            Memory | IC EEPROM {kbit}KBIT SPI {mhz}MHZ {pins}{pkg}
            """,
        ),
        _k(
            "opamp",
            IC,
            "854233",
            "generic_ic",
            """
            Linear - Amplifiers - Instrumentation, OP Amps, Buffer Amps | IC OPAMP GP {n} CIRCUIT {pins}{pkg}
            Linear - Amplifiers - Instrumentation, OP Amps, Buffer Amps | IC OPAMP ZERO-DRIFT {n} CIRCUIT {pkg}
            Linear - Amplifiers - Instrumentation, OP Amps, Buffer Amps | IC INST AMP 1 CIRCUIT {pins}{pkg}
            Linear - Amplifiers - Audio | IC AMP AUDIO {w}W STEREO CLASS D {pins}{pkg}
            Linear - Comparators | IC COMPARATOR {n} GEN PUR {pins}{pkg}
            """,
        ),
        _k(
            "ldo",
            IC,
            "854239",
            "generic_ic",
            """
            PMIC - Voltage Regulators - Linear | IC REG LINEAR {v} {amp}A {pkg}
            PMIC - Voltage Regulators - Linear | IC REG LINEAR POS ADJ {amp}A {pkg}
            PMIC - Voltage Regulators - Linear | IC REG LDO {v} {amp}A {pins}{pkg}
            """,
            volts=True,
        ),
        _k(
            "switcher",
            IC,
            "854239",
            "generic_ic",
            """
            PMIC - Voltage Regulators - DC DC Switching Regulators | IC REG BUCK ADJ {amp}A {pins}{pkg}
            PMIC - Voltage Regulators - DC DC Switching Regulators | IC REG BOOST ADJ {amp}A {pins}{pkg}
            PMIC - Voltage Regulators - DC DC Switching Regulators | IC REG BUCK {v} {amp}A {pins}{pkg}
            PMIC - Voltage Regulators - DC DC Switching Controllers | IC REG CTRLR BUCK {pins}{pkg}
            PMIC - AC DC Converters, Offline Switchers | IC OFFLINE SWITCH FLYBACK {pins}{pkg}
            """,
            volts=True,
        ),
        _k(
            "power_ic",
            IC,
            "854239",
            "generic_ic",
            """
            PMIC - Gate Drivers | IC GATE DRVR HALF-BRIDGE {pins}{pkg}
            PMIC - Battery Chargers | IC BATT CHG LI-ION 1 CELL {pkg}
            PMIC - Supervisors | IC SUPERVISOR 1 CHANNEL {pkg}
            PMIC - Power Distribution Switches, Load Drivers | IC PWR SWITCH N-CHAN 1:1 {pkg}
            PMIC - Current Regulation/Management | IC CURRENT SENSE 1 CIRCUIT {pkg}
            """,
        ),
        _k(
            "motor",
            IC,
            "854239",
            "generic_ic",
            """
            PMIC - Motor Drivers, Controllers | IC MTR DRV BIPOLAR {v} {pins}{pkg}
            PMIC - Motor Drivers, Controllers | IC MOTOR DRIVER PAR {pins}{pkg}
            PMIC - Full, Half-Bridge Drivers | IC HALF BRIDGE DRIVER {amp}A {pins}{pkg}
            """,
        ),
        _k(
            "interface",
            IC,
            "854239",
            "generic_ic",
            """
            Interface - Drivers, Receivers, Transceivers | IC TRANSCEIVER HALF {n}/{n} {pins}{pkg}
            Interface - Drivers, Receivers, Transceivers | IC TRANSCEIVER CAN {pins}{pkg}
            Interface - Controllers | IC USB BRIDGE USB-UART {pins}{pkg}
            Interface - Drivers, Receivers, Transceivers | IC ETHERNET PHY {pins}{pkg}
            Interface - I/O Expanders | IC I/O EXPANDER I2C {n}BIT {pins}{pkg}
            Interface - Controllers | IC CONTROLLER ETHERNET {pins}{pkg}
            Interface - Analog Switches, Multiplexers, Demultiplexers | IC SWITCH SPDT X {n} {pins}{pkg}
            """,
            eccn="EAR99 EAR99 5A991.b.1 _",
        ),
        _k(
            "logic",
            IC,
            "854239",
            "generic_ic",
            """
            Logic - Gates and Inverters | IC GATE NAND {n}CH 2-INP {pins}{pkg}
            Logic - Translators, Level Shifters | IC TRANSLTR BIDIRECTIONAL {pins}{pkg}
            Logic - Shift Registers | IC SHIFT REGISTER 8BIT {pins}{pkg}
            Logic - Buffers, Drivers, Receivers, Transceivers | IC BUF NON-INVERT {v} {pins}{pkg}
            """,
        ),
        _k(
            "converter",
            IC,
            "854239",
            "generic_ic",
            """
            Data Acquisition - Analog to Digital Converters (ADC) | IC ADC {res}BIT SAR {pins}{pkg}
            Data Acquisition - Analog to Digital Converters (ADC) | IC ADC {res}BIT SIGMA-DELTA {pins}{pkg}
            Data Acquisition - Digital to Analog Converters (DAC) | IC DAC {res}BIT V-OUT {pins}{pkg}
            PMIC - Voltage Reference | IC VREF SERIES {v} {pkg}
            """,
            eccn="EAR99 EAR99 3A991.c.2 3A001.a.5.a",
        ),
        _k(
            "clock",
            IC,
            "854239",
            "generic_ic",
            """
            Clock/Timing - Clock Generators, PLLs, Frequency Synthesizers | IC CLK GEN {mhz}MHZ {pins}{pkg}
            Clock/Timing - Real Time Clocks | IC RTC CLK/CALENDAR I2C {pins}{pkg}
            Clock/Timing - Clock Buffers, Drivers | IC CLK BUFFER 1:{n} {mhz}MHZ {pins}{pkg}
            RF Misc ICs and Modules | IC FREQUENCY SYNTHESIZER {ghz}GHZ {pins}LFCSP
            """,
        ),
        _k(
            "rf_ic",
            RF,
            "854239 854239 854233",
            "generic_ic",
            """
            RF Transceiver ICs | IC RF TXRX ISM<1GHZ {pins}{pkg}
            RF Amplifiers | IC RF AMP GPS {ghz}GHZ {pkg}
            RF Switches | IC RF SWITCH SP{n}T {ghz}GHZ {pkg}
            RF Transceiver ICs | IC RF TXRX BLUETOOTH {pins}{pkg}
            RF Mixers | IC MIXER {ghz}GHZ UP/DOWN CONV {pkg}
            RF Transceiver ICs | IC RF TXRX 802.15.4 {pins}{pkg}
            """,
            eccn="EAR99 5A991.b 5A991.b 3A001.b.2 _",
        ),
        _k(
            "rf_power",
            DISCRETE,
            "854129",
            "generic_ic",
            """
            Transistors - FETs, MOSFETs - RF | RF MOSFET LDMOS {v} {pkg}
            RF Amplifiers | RF MODULE {mhz}MHZ {w}W
            Transistors - FETs, MOSFETs - RF | RF FET GAN HEMT {v} {ghz}GHZ
            """,
            eccn="EAR99 3A001.b.3 5A991.b",
        ),
        _k(
            "sensor",
            "Sensors, Transducers",
            "854151 854239 903289",
            "generic_ic",
            """
            Motion Sensors - IMUs (Inertial Measurement Units) | IMU ACCEL/GYRO 3-AXIS I2C/SPI {pins}LGA
            Motion Sensors - Accelerometers | ACCEL 3-AXIS {g}G I2C/SPI {pins}LGA
            Pressure Sensors, Transducers | SENSOR PRESSURE {kpa}KPA ABS {pkg}
            Humidity, Moisture Sensors | SENSOR HUMI/TEMP 3V I2C {pct}% {pkg}
            Magnetic Sensors - Compass, Magnetic Field (Modules) | MAGNETOMETER 3-AXIS I2C {pins}LGA
            Current Sensors | SENSOR CURRENT HALL {amp}A AC/DC
            Optical Sensors - Ambient Light, IR, UV Sensors | SENSOR AMBIENT LIGHT I2C {pkg}
            Image Sensors, Camera | SENSOR IMAGE CMOS {mp}MP {pins}BGA
            """,
            eccn="EAR99 EAR99 7A994 _",
        ),
        _k(
            "mosfet",
            DISCRETE,
            "854129 854121 854129",
            "discrete",
            """
            Transistors - FETs, MOSFETs - Single | MOSFET N-CH {vds}V {amp}A {pkg}
            Transistors - FETs, MOSFETs - Single | MOSFET P-CH {vds}V {amp}A {pkg}
            Transistors - FETs, MOSFETs - Arrays | MOSFET 2N-CH {vds}V {amp}A {pins}SOIC
            Transistors - FETs, MOSFETs - Single | SICFET N-CH {vds}V {amp}A TO247-3
            """,
        ),
        _k(
            "igbt",
            DISCRETE,
            "854129",
            "discrete",
            """
            Transistors - IGBTs - Single | IGBT TRENCH FS {vds}V {amp}A TO247-3
            Transistors - IGBTs - Single | IGBT {vds}V {amp}A {w}W TO220AB
            """,
        ),
        _k(
            "diode",
            DISCRETE,
            "854110",
            "discrete",
            """
            Diodes - Rectifiers - Single | DIODE SCHOTTKY {vds}V {amp}A {pkg}
            Diodes - Rectifiers - Single | DIODE GEN PURP {vds}V {amp}A {pkg}
            Diodes - Rectifiers - Arrays | DIODE ARRAY SCHOTTKY {vds}V SOT23
            Diodes - RF | RF DIODE SCHOTTKY {vds}V SOT23-3
            """,
        ),
        _k(
            "bjt",
            DISCRETE,
            "854121",
            "discrete",
            """
            Transistors - Bipolar (BJT) - Single | TRANS NPN {vds}V 0.6A SOT23
            Transistors - Bipolar (BJT) - Single | TRANS PNP {vds}V {amp}A {pkg}
            """,
        ),
        _k(
            "tvs",
            "Circuit Protection",
            "854110",
            "discrete",
            """
            TVS - Diodes | TVS DIODE {v} {vc}V {pkg}
            TVS - Diodes | TVS DIODE 5VWM 15VC SOT23-6
            TVS - Diodes | ESD SUPPRESSOR DIODE {pkg}
            """,
        ),
        _k(
            "led",
            "Optoelectronics",
            "854141",
            "discrete",
            """
            LED Indication - Discrete | LED {color} CLEAR 0603 SMD
            LED Indication - Discrete | LED {color} DIFFUSED T-1 3/4 T/H
            """,
        ),
        _k(
            "opto",
            "Isolators",
            "854149",
            "discrete",
            """
            Optoisolators - Transistor, Photovoltaic Output | OPTOISO 5KV TRANS {pins}DIP
            Optoisolators - Logic Output | OPTOISO 3.75KV OPEN COLL {pins}SO
            Solid State Relays | SSR RELAY SPST-NO {amp}A 0-60V
            Optical Sensors - Photo Detectors - Remote Receiver | SENSOR REMOTE REC {khz}KHZ 45M
            Fiber Optics - Transceiver Modules | TXRX FIBER OPTIC {mhz}MBD
            """,
        ),
        _k(
            "isolator",
            "Isolators",
            "854239",
            "generic_ic",
            """
            Digital Isolators | DGTL ISO 2.5KV {n}CH GEN PURP {pins}SOIC
            Digital Isolators | DGTL ISO 5KV {n}CH GEN PURP {pins}SOIC
            """,
        ),
        _k(
            "mlcc",
            "Capacitors",
            "853224",
            "mlcc_murata",
            """
            Ceramic Capacitors | CAP CER {uf}UF {vdc}V X7R {size}
            Ceramic Capacitors | CAP CER {pf}PF {vdc}V C0G/NP0 {size}
            Ceramic Capacitors | CAP CER {uf}UF {vdc}V X5R {size}
            """,
        ),
        _k(
            "tantalum",
            "Capacitors",
            "853221",
            "tantalum",
            """
            Tantalum Capacitors | CAP TANT {uf}UF {pct}% {vdc}V {size}
            Tantalum - Polymer Capacitors | CAP TANT POLY {uf}UF {vdc}V {size}
            """,
        ),
        _k(
            "alu_cap",
            "Capacitors",
            "853222 853225 853229",
            "alu_cap",
            """
            Aluminum Electrolytic Capacitors | CAP ALUM {uf}UF {pct}% {vdc}V RADIAL
            Film Capacitors | CAP FILM {uf}UF {pct}% {vdc}VDC RADIAL
            Electric Double Layer Capacitors (EDLC), Supercapacitors | CAP {f}F -20% +80% 2.7V T/H
            """,
        ),
        _k(
            "resistor",
            "Resistors",
            "853321",
            "resistor",
            """
            Chip Resistor - Surface Mount | RES {ohm} OHM {tol}% 1/10W {size}
            Chip Resistor - Surface Mount | RES SMD {ohm} OHM {tol}% 1/4W {size}
            Resistor Networks, Arrays | RES ARRAY 4 RES {ohm} OHM 1206
            """,
        ),
        _k(
            "inductor",
            "Inductors, Coils, Chokes",
            "850450",
            "inductor",
            """
            Fixed Inductors | FIXED IND {uh}UH {amp}A {mohm} MOHM SMD
            Fixed Inductors | FIXED IND {nh}NH {ma}MA {mohm} MOHM SMD
            Fixed Inductors | SHIELDED POWER INDUCTOR {uh}UH
            """,
        ),
        _k(
            "ferrite",
            "Filters",
            "850450",
            "ferrite",
            """
            Ferrite Beads and Chips | FERRITE BEAD {ohm} OHM {size} 1LN
            Common Mode Chokes | CMC {uh}UH {ma}MA 2LN SMD
            SAW Filters | FILTER SAW {mhz}MHZ SMD
            """,
        ),
        _k(
            "thermistor",
            "Sensors, Transducers",
            "853340",
            "plain",
            """
            Temperature Sensors - NTC Thermistors | THERMISTOR NTC {ohm} OHM {tol}% {size}
            Inrush Current Limiters (ICL) | INRUSH CURRENT LIMITER {ohm} OHM
            """,
        ),
        _k(
            "connector",
            "Connectors, Interconnects",
            "853669 853690",
            "connector",
            """
            Rectangular Connectors - Headers, Male Pins | CONN HEADER VERT {n}POS {mm}MM
            Rectangular Connectors - Housings | CONN RCPT HSG {n}POS {mm}MM
            Coaxial Connectors (RF) | CONN U.FL RCPT STR 50 OHM SMD
            Modular Connectors - Jacks With Magnetics | CONN JACK 1PORT 100 BASE-TX PCB
            Terminal Blocks - Headers, Plugs and Sockets | CONN TERM BLOCK {n}POS {mm}MM
            USB, DVI, HDMI Connectors | CONN RCPT USB-C 24POS SMD RA
            """,
        ),
        _k(
            "crystal",
            "Crystals, Oscillators, Resonators",
            "854160",
            "crystal",
            """
            Crystals | CRYSTAL {mhz}.0000MHZ {pf}PF SMD
            Oscillators | XTAL OSC XO {mhz}.0000MHZ CMOS SMD
            Crystals | CRYSTAL 32.7680KHZ 12.5PF SMD
            Oscillators | OSC MEMS {mhz}.000MHZ LVCMOS SMD
            """,
        ),
        _k(
            "dcdc",
            "Power Supplies - Board Mount",
            "850440",
            "dcdc",
            """
            DC DC Converters | DC DC CONVERTER {v} {w}W
            DC DC Converters | ISOLATED MODULE DC DC CONVERTER 1 OUTPUT {v} {amp}A
            AC DC Converters | AC/DC CONVERTER {v} {w}W
            """,
            eccn="EAR99 EAR99 _ 3A991.d",
        ),
        _k(
            "rf_module",
            RF,
            "851762",
            "module",
            """
            RF Transceiver Modules and Modems | RF TXRX MOD BLUETOOTH CHIP + TRACE ANT
            RF Transceiver Modules and Modems | RF TXRX MOD WIFI TRACE ANT SMD
            RF Transceiver Modules and Modems | RF TXRX MOD ISM<1GHZ {dbm}DBM
            RF Transceiver Modules and Modems | RF TXRX MOD CELLULAR LTE CAT-M1
            RFID, RF Access, Monitoring ICs | IC RFID TRANSPONDER 13.56MHZ {pkg}
            """,
            eccn="5A992.c 5A992.c EAR99 5A991.b",
        ),
        _k(
            "gnss",
            RF,
            "852691",
            "ublox",
            """
            GNSS / GPS Modules | RF RCVR GNSS {mhz}MHZ SMD MODULE
            GNSS / GPS Modules | GNSS MODULE MULTI-BAND {n}CH
            RF Receivers | GPS RECEIVER MODULE SMD
            """,
            eccn="7A994 EAR99 7A994 5A992.c",
        ),
        _k(
            "antenna",
            RF,
            "852910",
            "module",
            """
            RF Antennas | RF ANT {mhz}MHZ PATCH SMD
            RF Antennas | RF ANT GNSS ACTIVE L1/L2 SMA
            RF Antennas | RF ANT {ghz}GHZ CHIP SOLDER
            """,
        ),
        _k(
            "relay",
            "Relays",
            "853641 853649",
            "relay",
            """
            Power Relays, Over 2 Amps | RELAY GEN PURPOSE SPDT {amp}A {v}
            Signal Relays, Up to 2 Amps | RELAY TELECOM DPDT 2A {v}
            Power Relays, Over 2 Amps | RELAY GEN PURPOSE SPST {amp}A {v}
            """,
        ),
        _k(
            "switch",
            "Switches",
            "853650 853620",
            "connector",
            """
            Tactile Switches | SWITCH TACTILE SPST-NO 0.05A 12V
            Slide Switches | SWITCH SLIDE SPDT 300MA 6V
            Snap Action, Limit Switches | SWITCH SNAP ACTION SPDT 3A 125V
            Circuit Breakers | CIRCUIT BREAKER THERMAL {amp}A
            Encoders | ROTARY ENCODER MECHANICAL {n}PPR
            Optical Sensors - Photointerrupters - Slot Type | SENSOR OPTO SLOT 5MM TRANS
            """,
        ),
        _k(
            "protection",
            "Circuit Protection",
            "853610",
            "discrete",
            """
            PTC Resettable Fuses | PTC RESET FUSE {v} {amp}A {size}
            Fuses | FUSE BRD MNT {amp}A 125VAC 63VDC {size}
            """,
        ),
        _k(
            "rf_component",
            RF,
            "854239 854233",
            "minicircuits",
            """
            RF Amplifiers | RF AMP {ghz}GHZ {db}DB GAIN SMD
            RF Filters | RF FILTER LOW PASS {mhz}MHZ
            RF Mixers | RF MIXER {ghz}GHZ LEVEL 7
            RF Oscillators | VCO {mhz}-{mhz2}MHZ SMD
            """,
            eccn="EAR99 EAR99 3A001.b.4 5A991.b",
        ),
        _k(
            "transformer",
            "Transformers",
            "850431",
            "plain",
            """
            Pulse Transformers | XFRMR LAN 10/100/1000BASE-T {pins}SMD
            Pulse Transformers | PULSE XFMR 1:1 SMD
            """,
        ),
        _k(
            "industrial",
            "Industrial Automation and Controls",
            "853710 853641 850440",
            "plain",
            """
            Controllers - PLC Modules | PLC MODULE DIGITAL I/O {n}DI/{n}DO 24VDC
            Contactors (Electromechanical) | CONTACTOR 3P {amp}A 24VDC COIL
            Drives | VARIABLE SPEED DRIVE {w}KW 400V
            """,
        ),
        _k(
            "audio",
            "Audio Products",
            "851810 853110",
            "plain",
            """
            Microphones | MIC MEMS DIGITAL PDM OMNI -26DB
            Alarms, Buzzers, and Sirens | AUDIO PIEZO TRANSDUCER {v} SMD
            """,
        ),
    )
}
# fmt: off
_DESC_FIELDS = {
    **_COMMON,
    "bits": _words("8 16 32"), "flash": _words("2 4 8 16 32 64 128 256 512 1024 2048"),
    "core": _words("5 7 8 9 53 55 72"), "ghz": _words("0.4 0.8 1.0 1.2 1.5 1.8 2.0 2.4 5.8"),
    "mhz": _words("8 12 16 20 24 25 26 27 32 40 48 50 100 133 166 200 400"),
    "mhz2": _words("1200 1550 2150 2400 2800 3600"), "io": _words("56 100 150 210 250 285 400 500"),
    "cells": _words("33 52 85 101 215 325 480"), "mbit": _words("1 2 4 8 16 32 64 128 256 512"),
    "gbit": _words("1 2 4 8 16"), "kbit": _words("1 2 4 16 32 64 128 256 512 1024"),
    "khz": _words("100 400 1000"), "n": _words("1 2 4 8 16"), "res": _words("8 10 12 14 16 18 24"),
    "g": _words("2 4 8 16 200"), "kpa": _words("15-115 20-250 0-100 30-110"),
    "pct": _words("1 2 3 5 10 20"), "vds": _words("20 30 40 60 80 100 150 200 600 650 1200"),
    "vc": _words("9.2 14.4 24.4 32.4"), "color": _words("RED GREEN BLUE YELLOW WHITE ORANGE"),
    "uf": _words("0.1 0.22 0.47 1 2.2 4.7 10 22 47 100 220 470 1000"),
    "pf": _words("10 22 33 47 100 220 470 1000"), "vdc": _words("4 6.3 10 16 25 35 50 63 100 250"),
    "size": _words("0402 0603 0805 1206 1210 2312 7343"), "f": _words("1 5 10 25 50 100 350"),
    "ohm": _words("0 10 47 100 220 330 470 1K 4.7K 10K 47K 100K 1M"), "tol": _words("0.1 1 5"),
    "uh": _words("1 2.2 4.7 10 22 47 100"), "nh": _words("1 2.2 10 22 47 100"),
    "mohm": _words("12 25 40 65 120 350"), "ma": _words("100 300 500 1000 2000"),
    "mm": _words("1.00 1.25 2.00 2.54 3.50 3.81 5.00"), "w": _words("1 2 3 5 6 10 15 20 50 100"),
    "dbm": _words("10 14 20 22 30"), "db": _words("12 15 20 22 28"),
    "mp": _words("2 5 8 12 20"),
}
# fmt: on


def _describe(template: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(_DESC_FIELDS[m.group(1)]), template)


# --------------------------------------------------------------------------- curated prefixes


def _table(text: str) -> dict[str, str]:
    """``value: key key key`` lines -> {key: value}."""
    table = {}
    for line in text.strip().splitlines():
        value, keys = line.split(":", 1)
        for key in keys.split():
            table[key] = value.strip()
    return table


PREFIX_KIND = _table("""
mcu: RP2 EFR32 SN9C STM32 STM8 PIC DSPIC ATMEGA ATTINY ATXMEGA ATSAM AT91 AT89 MSP430 MSPM0 TM4C TMS570 LPC MK S32K MIMXRT MC9S08 MC9S12 MC56F MC68HC MCF5 XMC R5F R7F UPD HD64 EFM32 EFM8 C8051 GD32 APM32 AT32F CH32 CH55 PY32 Z8 SAK-TC SPC5 SN8F SLG
soc: MPC MSM APQ RK3 HI3516 HI3518 HI3519 HI3559 S3C S5P MT62 MT65 MT67 MT81 JZ47 MCIMX BCM TC358 S1D
dsp: TMS320 ADSP
fpga: EPF XC XQ EP 5CE 5CS 10AX 10CL LFE LFXP LIFCL ICE40 ICE5 A3P APA AGL A54SX M2S M2GL MPF
cpld: EPM 5M 10M LCMXO LC4
flash: W25Q W25X W25N W29N MX25 MX29 MX30 MX66 GD25 GD5F S25FL S25FS S29 S70 S34ML AM29 N25Q M25P MT25 MT28 MT29 MT35 IS25 IS29 ZB25 P25Q A25L AT25SF AT25DF AT25XE AT45 SST XCF EPC MTFC KLM K9 H26M H27U GLS MB85R MR25
dram: MT40 MT41 MT46 MT47 MT48 MT52 MT53 MT60 MT61 K4 H5TQ H5TC H5AN HY57 H9 IS42 IS43 IS45 IS46 IS61 IS62 IS66 AS4C AS6C AS7C NT5 W97 W98 MR2A MR4A MR0A IDT
eeprom: 24LC 25LC 24AA 93LC AT24 M24 M95 BR24 BR25 GT24 CAT24
opamp: ADL ADAU LA NJW OPA INA TLV TLC TSV ADA NJM NJU NCS LMV LMC LMH THS MCP AD LT PAM
ldo: XC61 IFX L78 L79 LD1 LDL AMS1117 XC62 XC63 NCV
switcher: TPS LTC MP MPQ SY8 XL1 XL4 XL6 RT NCP ISL RAA BD9 ADP LMZ AP MIC XC92 TOP2 LNK TNY INN VIPER DA9 TLF LM HIP
power_ic: ZXCT MC LB UCC IR2 IRS IXD FAN BQ TCK MAX DS ADM SGM MPM LTM
motor: DRV A49 A39 TB6 L62 L64 VNH VN TMC BTN BTS SLA STR-W6 STR-A6 STK TLE
interface: ADG GS PN5 IS31 ATECC SN65 SN75 TCAN TJA SP32 SP34 SP48 XR CP210 FT2 FT4 FT8 VNC2 CH34 CH9 USB25 USB33 TUSB DS90 KSZ LAN 88E 88SE RTL ALC DM9 W5 W6 W7500 ENC PEX F81 F75 OX16 HI- PCA PCF SAA TXB TXS PI3 MXL CY WGI WG82 JL82 SM2 ADUM
logic: SN74
converter: ADR ADS ADC08 ADE7 ADRV
clock: SI53 5P49V PI6C RX8 LMX ADF
rf_ic: CC SX SI446 NRF SKY QPA QPF QPL QPM QPC TQP TGA TQM RF MAAM MAAL MASW MAAP PE4 HMC AX5 DW1 DW3 QCA WCN CSR QCC 88W MT76 NJG CXD ESP DA14
rf_power: BLF BLP QPD RA07H RA13H RA30H RA60H RD16HHF RD15HVF RD06HHF
sensor: LIS LSM LPS2 ADXL ADXRS ADIS BME BMP BMI BMA BMM BNO MPU- ICM- IAM- ITG- SHT SCD SDP SGP HIH HSC ABP SSC SS49 HMC5883 MLX AS5 AS7 TSL TCS TMD ACS7 MS56 HTU2 VEML VCNL SI114 APDS BH17 MPX MMA IMX
mosfet: IRF IRL BSC BSZ IPD IPB IPP IPW FDS FQP FQD FDN FDC FDD FDMS FDP NTD NTR NTMFS NVMFS SI SIR SIS SQJ SUD DMN DMP DMG PMV PSMN BUK AON AOD AO3 PJA VB DTQ STP STB STD STF STW STL RJK TPH TPN SSM3 SSM6 ZXM C2M C3M IXF IXT LSIC AUIR
igbt: IRG IKW STG IXG
diode: STPS STTH PMEG CMSH VS- HSMS CMPD
bjt: CMPT
tvs: TPD PESD ESDA RCLAMP CDSOT
led: LTL LTST KP- KPT- HLMP TSAL
opto: AFBR TLP HCPL ACPL LTV FOD TCRT TSOP TSSP CPC AQY AQV AQW LTR
isolator: SI86
mlcc: GRM GCM GJM GRT C1005 C1608 C2012 C3216 C3225 C4532 CGA C0402C C0805C C1206C C1210C C1812C CC0402 CC0603 CC0805 CC1206
tantalum: TAJ TCJ NOJ T491 T495 T520
alu_cap: UVR UWT UUD UHE UPW UCD EEE- EEU- ECQ- B41 B32 BCAP
resistor: RC0402 RC0603 RC0805 RC1206 RT0603 CRCW TNPW ERJ- EXB
inductor: LQH LQM LQW LQG XAL XFL MSS SRR SRN SRU SDR CDRH CDEP VLS SLF IHLP 74438 74479 74404 ELJ
ferrite: BLM MPZ MMZ NFM DLW ACM B82
thermistor: B57
connector: RJHSE DF1 DF4 FH1 U.FL ZX62 DX07 IL- TSW- SSW- FTSH- QSH- QTH- PHR- XHP- ZHR- GHR- SHR- B2B- M20- M80- AWHW OSTT PPTC PREC SBH1 61300 35RAPC 206- 218-
crystal: NX2016 NX3225 NX5032 NZ2520 ABM ABLS ABS0 ASFL ASDM FA- TSX- SG- LFXTAL LFSPXO LFTVXO ECS- CB3 SIT
dcdc: URB URA WRA WRB VRB K78 TSR TEN TMR TEL TMA TME R-78 RO- REC RAC RSO DCM PRM VTM VI- NME NMH NMA NKE OKI- MCWI MAU1 MJWI
rf_module: NINA- SARA- LARA- LISA- TOBY- ODIN- ANNA- NORA- XB24 XBP XB3- BL65 E22- E32- E07- TRM- RXM- TXM- NL- HL78 WP76 WP77 EC2 EG25 BG9 SIM SPWF SPBT BGM MGM DWM BLUENRG ST25 STUSB
gnss: NEO-M8 NEO-M9 NEO-6 NEO-7 NEO-F9 ZED-F9 MAX-M8 MAX-M10 EVA-M8 CAM-M8 LEA- NV08C L76 L86
antenna: CGGP FXP
relay: G5V G6K G5LE G3MB G2R V230 IM0 HF JQC TQ2 FTR-
switch: PEC11 PEC12 B3F B3U D2F PTS KMR EVQ- 1610- E3Z EE-SX
protection: MF- 0ZC
rf_component: ROS- GALI- ERA- PSA- LFCN- HFCN- BFCN- ZX60- PHA- B88
transformer: 7490 TG1 PE- 885012
industrial: 6ES7 6EP1 3RT LC1D ATV
audio: PKM SPH SPU
""")

# Series shapes for families whose numbering is not "four digits" (see Shape for the syntax).
# fmt: off
PREFIX_SHAPE = {
    # microcontrollers and processors
    "STM32": "(F|G|L|H|U|C|W)(0|1|2|3|4|7)dd", "STM8": "(S|L|AF)(003|103|105|207|208|151|152|005)",
    "GD32": "(F|E|VF)(1|3|4)(0|3|5)d", "APM32": "(F|E)(0|1|4)(0|3)d", "AT32F": "(403|407|413|415|421|425|435|437)",
    "CH32": "(V|F|X)(0|1|2|3)(0|3|5|7)d", "PY32": "(F|L|M)0(0|2|3|7)d",
    "PIC": "(10|12|16|18|24|32)(F|LF|EP|MX|MM|MZ)ddd",
    "DSPIC": "(30F|33FJ|33EP|33CK|33CH)(16|32|64|128|256)(GP|GS|MC|MU)ddd",
    "ATMEGA": "Ddd", "ATTINY": "Dd", "ATXMEGA": "(16|32|64|128|192|256)(A|D|E|C)(3|4|5)",
    "ATSAM": "(D21|D51|E54|E70|S70|V71|C21|L21|3X)(E|G|J|N)(15|16|17|18|19|20|21)(A|B)",
    "MSP430": "(F|G)dddd", "MSPM0": "(G|L|C)(1|3)(1|3|5)(0|5|7)d",
    "TM4C": "(123|129)(G|B|N|E|X)(H|N|K)(6|5)(PM|PZ|ZR|PG)", "TMS320": "(F|C|VC)(28|67|64|55)dd",
    "LPC": "(8|11|15|17|18|40|43|54|55)(0|1|2|3|5|6|7|8)d",
    "MK": "(02|10|20|22|24|28|60|64|66|82)(D|F|Z)(N|X)(1M0|512|256|128|2M0)",
    "S32K": "(1|3)(1|4|2)(2|4|6|8)", "MIMXRT": "(10|11|6)(1|2|5|6|7)(1|2)",
    "EFM32": "(GG|TG|ZG|HG|PG|JG|LG|WG)(2|8|9)(1|2|3|8|9)(0|2|5)F(16|32|64|128|256|512|1024)",
    "EFR32": "(BG|MG|FG)(1|12|13|21|22)P(2|3|4)(3|1|2)(2|3)F(256|512|1024)",
    "EFM8": "(BB|LB|UB|SB)(1|2|3)(0|1|2)F(2|4|8|16|32|64)G", "C8051": "F(0|3|5|9)(0|1|2|3|4|6)(0|1|2|4|5)",
    "HCPL": "-(0|2|3|4|7|M|W|K)(4|5|6|7)(0|1|3|5)(0|1|L)", "ACPL": "-(0|2|3|4|7|M|W|K)(4|5|6|7)(0|1|3|5)(0|1|L)",
    "APDS": "-(9|3)dd(0|1|6)", "HLMP": "-(1|3|4|6|C|E|K)dd(0|1|3|5)", "HSMS": "-(2|8)(8|2)(0|1|2|5)(0|2|5)",
    "AFBR": "-(5|7|1|2|4)(7|8|9)(0|1|5)(3|5|7)", "BCM": "(28|43|53|56|57|58|54)dd",
    "HI3516": "(E|C|A|D)V(1|2|3|5)(0|1)(0|2|3)", "HI3518": "(E|C|A)V(1|2|3)(0|1)(0|2)",
    "HI3519": "(A|C)V(1|2|3)(0|1)(0|2)", "HI3559": "(A|C)V(1|2|3)(0|1)(0|2)",
    "NRF": "(51|52|53|91)ddd", "ESP": "(32D0WD|32S2|32S3|32C3|32C6|32H2|8266EX|8285N)",
    # programmable logic
    "XC": "(7A|7K|7Z|7S|6SLX|3S|KU0|ZU)dd", "XQ": "(7Z|7K|7A|ZU)dd", "XCF": "(01|02|04|08|16|32)(S|P)",
    "EP": "(4CE|3C|2C|4CGX|2AGX|1C)dd", "EPM": "(240|570|1270|2210|3064|7128|7064)(T|G|Z)",
    "EPC": "(S4|S16|S64|S128|Q16|Q64)", "5M": "(40|80|160|240|570|1270|2210)Z",
    "10M": "(02|04|08|16|25|40|50)(SA|SC|DA|DC|DF)", "10CL": "(006|010|016|025|040|055|080|120)(YU|YE|ZU|ZE)",
    "10AX": "(016|022|027|032|048|057|066|090|115)(C|E|H|K|N|R|S|U)(2|3|4)", "5CE": "(BA|FA)(2|4|5|7|9)",
    "5CS": "(EMA|EBA|XFC|TFD)(2|4|5|6)",
    "LCMXO": "(2|3LF|3D)-(256|640|1200|2000|4000|7000|9400)(HC|ZE|HE)",
    "ICE40": "(HX|LP|UP|UL)(1K|4K|8K|5K|384|640|3K)", "ICE5": "(LP|UP)(1K|2K|4K)",
    "LFE": "(5U|3|2)-(12|25|45|85|17|35|70|95)(F|EA)", "LFXP": "(2|3)-(5|8|17|40)E", "LIFCL": "-(17|40)",
    "LC4": "(032|064|128|256|384|512)(V|B|C|Z)", "A3P": "(030|060|125|250|400|600|1000)",
    "APA": "(075|150|300|450|600|750|1000)", "AGL": "(030|060|125|250|400|600|1000)V(2|5)", "A54SX": "(08|16|32|72)A",
    "M2S": "(005|010|025|050|060|090|150)", "M2GL": "(005|010|025|050|090|150)", "MPF": "(100|200|300|500)T",
    # memories
    "W25Q": "(16|32|64|80|128|256|512)(JV|FV|BV|DV|JW|FW|NW|BW|JL)", "W25X": "(10|20|40|80|16|32|64)(CL|BV|BL)",
    "W25N": "(01|02|04|512)(GV|JW|GW|KV)", "W29N": "(01|02|04|08)(GV|HV|GW)",
    "MX25": "(L|U|R|V)dddd(5|6|7|9)(F|E|G)", "MX29": "(LV|GL|F)ddd(T|B|F)", "MX30": "(LF|UF)(1G|2G|4G)(18|28|08)AC",
    "MX66": "(L|U)(1G|2G)(45|46)G", "GD25": "(Q|LQ|B|LE|T|LB)(16|32|64|80|128|256)(C|E|F)",
    "GD5F": "(1G|2G|4G)(Q4|Q5|M7)(U|R)(E|F)", "S25FL": "(064|116|127|128|132|164|256|512)(L|S|P|K)",
    "S25FS": "(064|128|256|512)S", "S29": "(GL|AL|JL|PL|WS)ddd(N|P|S|M)", "S70": "FL01G(S|T)", "S34ML": "(01|02|04|08)G(1|2|3)",
    "AM29": "(LV|F|DL|PL)ddd(B|T|D)", "N25Q": "(032|064|128|256|512|00A)(A|B)(1|3)(1|2|3)",
    "M25P": "(05|10|16|20|32|40|64|80)", "MT25": "(QL|QU|TL)(128|256|512|01G|02G)",
    "MT29": "F(1G|2G|4G|8G|16G|32G|64G)(08|16)(A|C)(A|B|E)(C|D|E)", "MT41": "(K|J)(128|256|512|1G)(M16|M8)",
    "MT47": "H(32|64|128|256)(M8|M16)", "MT48": "LC(2|4|8|16|32)M(16|32|8)(A2|B2)", "MT40": "A(256|512|1G)(M16|M8)",
    "MT46": "V(16|32|64)(M8|M16)", "MT52": "L(128|256|512)(M32|M64)", "MT53": "(D|E)(256|512|1G|2G)(M32|M64)",
    "MT60": "B(1G|2G|4G)(16|08)", "MT61": "K(256|512)(M32|M16)", "MTFC": "(4|8|16|32|64|128)G(A|J)(A|M)",
    "MT28": "(EW|FW|GU)(128|256|512|01G)(A|B)", "MT35": "X(L|U)(256|512|01G)(ABA|ABB)",
    "K4": "(B|A|T|H)(1G|2G|4G|8G)(16|08)(46|64)(E|F|G|Q)", "K9": "(F1|F2|K8|WA|GA)G08(U|B)0(D|E|M)",
    "KLM": "(4|8|16|32|64|128)G(1|2|4)(F|E|T)(E|H)", "H5TQ": "(1G|2G|4G)(63|83)(AFR|BFR|CFR|DFR|EFR)",
    "H5TC": "(2G|4G)(63|83)(CFR|EFR|GFR)", "H5AN": "(4G|8G)(6N|8N)(AFR|CJR|DJR)", "HY57": "V(64|56|28|12)(16|32|80)(20|22)(F|D)",
    "H9": "(HC|TQ|CN)(N|F)(N|G)(N|F)(4G|8G|16G)(E|D)", "H26M": "(41|52|64|74)(1|2|0)(0|8)(3|4)(H|E)",
    "H27U": "(1G|2G|4G)(8F|8G|16F)(2C|2B)", "IS42": "S(16|32)(400|800|160|320)(D|E|F|J)",
    "IS43": "(TR|DR|LR)(16|32)(128|256|640)(B|C|D)", "IS45": "S(16|32)(400|800|160)(E|F)", "IS46": "(TR|DR)(16|32)(640|128)(A|B)",
    "IS61": "(WV|LV|C)(256|512|1024|2048)(16|8)(EB|BL|AL|EE)", "IS62": "(WV|C|LV)(256|512|1024)(16|8)(BL|EB|ALL)",
    "IS66": "(WVE|WVH)(1M|2M|4M|8M)(16|8)(DB|EB)", "IS25": "(LP|WP|LQ|WQ)(016|032|064|128|256|512)(D|E|J)",
    "IS29": "(GL|LV)(016|032|064|128|256)(B|S)", "AS4C": "(4M16|8M16|16M16|32M16|64M16|128M16|256M16)(SA|D1|D2|D3)",
    "AS6C": "(1008|4008|6264|62256|1016|8016)", "AS7C": "(34098|1024|256|31025|4096|34096)(A|B)",
    "NT5": "(CB|CC|TU)(128|256|512)(M16|M8)(FP|HP|EP|DP)", "W97": "(1G|2G|4G)(6|8)(K|J)(B|C)",
    "W98": "(25|64|12|51)(6|8)(K|J|G)(H|K)", "MR25": "H(040|128|256|10)(A|B|C)", "MR2A": "(08|16)A(C|Y|M)",
    "MR4A": "(08|16)B(C|M|Y)", "MR0A": "(08|16)B(C|M|Y)", "24LC": "(01|02|04|08|16|32|64|128|256|512|1025)",
    "25LC": "(010|020|040|080|160|320|640|128|256|512|1024)(A|B)", "24AA": "(01|02|04|08|16|32|64|128|256|512|1025)",
    "93LC": "(46|56|66|76|86)(A|B|C)", "AT24": "C(01|02|04|08|16|32|64|128|256|512|M01|M02)(C|D|E)",
    "M24": "(C01|C02|C04|C08|C16|C32|C64|128|256|512|M01|M02)", "M95": "(010|020|040|080|160|320|640|128|256|512|M01|M02)",
    "BR24": "(G|T|S)(01|02|04|08|16|32|64|128|256|512|1M)", "BR25": "(G|H|S)(010|020|040|080|160|320|640|128|256)",
    "GT24": "C(01|02|04|08|16|32|64|128|256|512)", "CAT24": "C(01|02|04|08|16|32|64|128|256|512)",
    "SST": "(25VF|26VF|39VF|39SF|38VF)(010|020|040|080|016|032|064|512)(A|B)",
    "AT45": "(DB)(011|021|041|081|161|321|642)(D|E)", "AT25SF": "(041|081|161|321|641|128)(A|B)",
    "AT25DF": "(041|081|161|321|641)(A|B)", "AT25XE": "(041|081|161|321)(D|B)", "ZB25": "(VQ|LQ|D)(16|32|64|80|128)(A|B)",
    "P25Q": "(16|32|64|80|128)(H|L|U|SH|SL)", "A25L": "(010|020|040|080|016|032)(O|M)",
    "MB85R": "(S|C|DP|E)(16|64|128|256|512|1M|2M|4M)(A|B|T|V)",
    # RF, sensors, interfaces
    "SX": "(12|13|14|15)(6|7|8)(0|1|2|4|6|8)", "CC": "(11|13|25|26|27|30|31|32|33|35)(0|1|2|3|4|5|6)(0|1|2|4|5)",
    "SI446": "(0|1|3|4|8)", "SI53": "(0|1|3|4|5|9)d(A|B|C)", "SI86": "(0|2|4|5|6)(0|1|2|3|4|5)(A|B|E)(A|B|C|D)",
    "SI114": "(1|2|3|5|6|7)", "BGM": "(111|113|121|123|13P|210P|220P)", "MGM": "(111|12P|13P|210L|210P|220P|240P)",
    "NEO-M8": "(N|T|P|M|Q|U|L)", "NEO-M9": "(N|V|L)", "NEO-6": "(M|G|Q|P|V|T)", "NEO-7": "(M|N|P)", "NEO-F9": "(P|R|T)",
    "ZED-F9": "(P|R|T|H|K)", "MAX-M8": "(Q|C|W)", "MAX-M10": "(S|M)", "EVA-M8": "(Q|M|E)", "CAM-M8": "(Q|C)",
    "LEA-": "(6|M8)(H|N|S|T|F)", "NINA-": "(B1|B2|B3|B4|W1|W3|W5)(0|1|2|6)", "SARA-": "(G3|U2|R4|R5|N2|N3)(0|1|2|4|5)",
    "LARA-": "(R2|R6|L6)(0|1|2|8)", "LISA-": "(U1|U2|C2)(0|1|2)", "TOBY-": "(L2|L4|R2)(0|1|2|8)", "ODIN-": "W2(6|7)",
    "ANNA-": "B(1|4)(0|1|2)", "NORA-": "(B1|W1|B2)(0|1|2|6)", "NV08C": "-(CSM|MCM|RTK)", "L76": "(-L|-M33|-B|K|G)",
    "L86": "(-M33|-L)", "FT2": "(32R|232H|2232H|230X|231X|234X)", "FT4": "(232H|222H|232Q)", "FT8": "(00|01|10|11|12|13)Q",
    "CH34": "(0|1|3|4)(C|G|E|K|T|B|F|N|X)", "CH9": "(102|103|120|121|141|143|329|350)(F|X|Q|L)",
    "CH55": "(1|2|4|8|9)(G|T|L|E|S)", "CP210": "(2|4|5|8|9)", "W5": "(100|200|300|500)", "W6": "(100|300)", "W7500": "(P|S2E)",
    "KSZ": "(80|84|87|88|90|95)(0|4|6|7|8)(1|3|5|6)", "LAN": "(87|91|92|95|74|78)(0|1|2|3|5)(0|2|4|5)",
    "ENC": "(28J60|424J600|624J600)", "SN74": "(HC|HCT|LS|LVC|AHC|AHCT|ALS|ABT|AC|ACT|F|CBT)(00|02|04|08|14|32|74|86|125|138|164|165|244|245|373|374|541|573|595)",
    "SN65": "(HVD|LVDS|LBC)(1|3|7|8)(0|1|2|5|7)(5|6|8|9)", "SN75": "(176|179|180|240|LBC18)(A|B)",
    "TXB": "0(1|2|3|4|8)(0|1|4|8)", "TXS": "0(1|2|4|8)(0|1|2|4|8)", "DS90": "(LV|CR|UB|CF)(0|1|2|3|9)(0|1|2|4|5)(1|2|3|4|7)",
    "DS": "(12|13|14|15|18|20|23|24|28|32|33|34|75)(B|N|S|A|C)dd",
    # connectors
    "PHR-": "(2|3|4|5|6|7|8|9|10|11|12|13|14|15|16)", "XHP-": "(2|3|4|5|6|7|8|9|10|11|12|13|14|15|16)",
    "ZHR-": "(2|3|4|5|6|7|8|9|10|11|12)", "GHR-": "(02|03|04|05|06|07|08|09|10|11|12|14|15)V-S",
    "SHR-": "(02|03|04|05|06|07|08|09|10|11|12|14|15|20)V-S", "B2B-": "(PH|XH|ZR|EH|GH)-(K|SM4|SM3)-(S|TB)",
    "TSW-": "1(01|02|03|04|05|06|08|10|12|15|20|25|30|40|50)-(05|07|08|10|14|23)-(G|T|S|L|F)-(S|D|T)",
    "SSW-": "1(01|02|03|04|05|06|08|10|12|15|20|25|30|40|50)-(01|02|03|22)-(G|T|S|F)-(S|D|T)",
    "FTSH-": "1(05|07|10|13|20|25|30|40|50)-(01|02|04)-(L|F|S)-(DV|DH)",
    "QSH-": "0(20|30|40|60|90)-01-(L|F|H)-D-(A|K)", "QTH-": "0(20|30|40|60|90)-01-(L|F|H)-D-(A|K)",
    "M20-": "(99|78|89)(9|7|8)(0|1|2|4)(0|2|4|5)(6|2|4)", "M80-": "(5|8|4)(0|1|2|3|4)(0|1|5|6)(0|2|4|6)(0|2|4|6)(2|4)",
    "DF1": "(3|1|2)-(2|3|4|5|6|8|10|12|15|20|30|40)(P|S)-1.25(H|C|V)", "DF4": "(0|0C)-(10|20|30|40|50|60|80|100)(DS|DP)-0.4V",
    "FH1": "(2|9|8)-(10|20|24|30|40|50)S-0.5SH", "U.FL": "-(R|LP|LPV|LPX)-(SMT|066|088)", "ZX62": "(D|R|M)-(B|AB)-5PA(8|11)",
    "DX07": "S0(16|24)(JA|JJ|WJ)(1|2|3)", "IL-": "(G|Z|AG|FHR)-(2|3|4|5|6|7|8|9|10|12)(P|S)-(S3T2|D3T2|HF)",
    # passives
    **dict.fromkeys(("C1005", "C1608", "C2012", "C3216", "C3225", "C4532", "CGA"), "(X7R|X5R|C0G|X7S|X6S)(1H|1E|1C|0J|1A|2A|1V)(10|15|22|33|47|68)(0|1|2|3|4|5|6)"),
    **dict.fromkeys(("GRM", "GCM", "GJM", "GRT"), "(155|188|216|219|21B|31M|31C|32E)(R7|R6|5C|C8|R1|D7)(1H|1E|1C|0J|1A|2A|1V)(10|15|22|33|47|68)(0|1|2|3|4|5|6)"),
    **dict.fromkeys(("C0402C", "C0805C", "C1206C", "C1210C", "C1812C"), "(10|15|22|33|47|68)(0|1|2|3|4|5|6)"),
    **dict.fromkeys(("TAJ", "TCJ", "NOJ", "T491", "T495", "T520"), "(A|B|C|D|E|V)(10|15|22|33|47|68)(4|5|6|7)"),
    **dict.fromkeys(("UVR", "UWT", "UUD", "UHE", "UPW", "UCD"), "(0J|1A|1C|1E|1V|1H|1J|2A)(10|15|22|33|47|68)(0|1|2|3)"),
    **dict.fromkeys(("EEE-", "EEU-"), "(FK|FT|FC|FR|FM|HA)(0J|1A|1C|1E|1V|1H)(10|15|22|33|47|68)(0|1|2|3)"),
    **dict.fromkeys(("RC0402", "RC0603", "RC0805", "RC1206"), "(F|J)R-(07|10|13)Dd(K|R|M)d"),
    "RT0603": "(B|C|D)R(D|E)-(07|10|13)Dd(K|R)d",
    **dict.fromkeys(("CC0402", "CC0603", "CC0805", "CC1206"), "(K|J|M|Z)R(X7R|X5R|NPO|Y5V)(5|6|7|8|9)BB(10|12|15|18|22|27|33|39|47|56|68|82)(0|1|2|3|4|5|6)"),
    "CRCW": "(0402|0603|0805|1206|2010|2512)Dd(K|R|M)d", "TNPW": "(0402|0603|0805|1206)Dd(K|R)d",
    "ERJ-": "(2|3|6|8|14)(GE|EK|RK|EN|RB)(F|J|D)ddd", "XAL": "(40|50|60|70|80|10)(10|15|20|30|40|60)",
    "XFL": "(20|30|40|50|60)(05|12|15|20|30)", "SRR": "(0604|0805|1208|1260|6028|7032)", "SRN": "(2512|3015|4018|5020|6028|8040)",
    "SRU": "(1028|2009|3011|5018|8043|1038)", "CDRH": "(2D|3D|4D|5D|6D|8D|10D)(09|11|14|16|18|28|38|43)",
    # discretes
    "IRL": "(ML|R|B|U|Z|S)dddd", "IRS": "(20|21|44|23)(0|1|3|5|8)(0|1|4|8)", "IR2": "(1|3)(0|1|3|8)(0|1|4)",
    "IRG": "(4|7)(PC|BC|PH|IB)(30|40|50)(F|K|U|W)", "AUIR": "(F|L|S)(1|3|4|7)ddd",
    "BSC": "(0|1|2|3|6)dd(N|P)(03|04|06|08|10|15)(LS|NS|MS|NE)", "BSZ": "(0|1|2|3)dd(N|P)(03|04|06|10)(LS|NS|MS)",
    "IPD": "(50|30|90|25|60|80)(N|P)(03|04|06|10)(S4|L3|S2)", "IPB": "(0|1|6)(0|1|2|3|4|5)(0|1|3|7)(N|P)(04|06|08|10|15)(N3|NS|S4)",
    "IPP": "(0|1|6)(0|1|2|3|4|5)(0|1|3|7)(N|P)(04|06|08|10|15)(N3|NS|S4)", "IPW": "(60|65)R(019|041|070|099|190)(C7|CFD7|P7|C6)",
    "FQP": "(2|4|5|6|8)d(N|P)(06|08|10|20|25|50|60)", "FQD": "(2|4|5|6|8)d(N|P)(06|10|20|25|50)",
    "FDN": "(3|5)(0|3|5)(2|3|5|7)(N|P)", "FDC": "(6|8)(3|5|6)(0|1|2|3)(N|P)", "FDD": "(3|5|6|8)(6|8|9)(0|2|6|8)(N|P)",
    "FDMS": "(3|7|8)(5|6|8)(0|2|6)(0|2|4)(A|N|P)", "FDP": "(0|3|6|8)(3|4|5|8)(0|4|5|9)(N|P)",
    "NTD": "(2|3|4|5|6)(0|8|9)(5|6|7)(N|P)", "NTR": "(1|2|3|4)(0|1|5)(0|1)(N|P)", "NTMFS": "(4|5|6)C(0|4|6|8)(0|1|2|4|6)(N|P)",
    "NVMFS": "(5|6)C(4|6)(0|1|2|8)(N|P)", "PMV": "(16|20|25|28|30|31|40|45|48|50|65)(XP|UN|EN|EPA|UP|XN)",
    "PSMN": "(0R|1R|2R|4R|7R)(0|1|3|5|8)-(25|30|40|60|100)(YLC|YS|BS)", "BUK": "(7|9|6)(Y|E|K|M)(1|2|3|4|6)(R|5)(0|2|5|7)-(40|55|60|100)(E|H|B)",
    "DMN": "(10|20|22|26|30|31|33|34|60)(0|4|5|8)(U|L|S|K|W)", "DMP": "(10|20|21|30|31|32|45|60)(0|3|5|8)(U|L|S|K)",
    "DMG": "(10|23|26|30|34|60)(0|1|2|3|4)(U|L|K)", "AON": "(6|7)(2|4|5|6|7|9)(0|1|2|4|6|8)(0|2|4|6)",
    "AOD": "(4|5|6|2)(0|1|4|5|8)(0|2|4|8)", "AO3": "(40|41|42|00|01|02|16)(0|1|2|4|7)",
    "SIR": "(1|4|8)(0|2|4|6|8)(0|2|4)(ADP|DP|LDP)", "SIS": "(4|8)(0|2|4|9)(0|2|4|6)(DN|ADN|EDN)",
    "SQJ": "(4|9)(0|2|6|8)(0|2|4|6)(EP|AEP|ELP)", "SUD": "(19|23|35|40|45|50)(N|P)(03|04|06|10)-(09|15|25|30)",
    "STP": "(1|2|3|4|5|6|7|8)(0|5)(N|P)(F|K|M)(06|10|60|65|3|5)", "STB": "(1|2|3|4|5|7|8)(0|5)(N|P)(F|K|M)(06|10|65|3|5)",
    "STD": "(1|2|3|4|5|7|8)(0|5)(N|P)(F|K|M)(06|10|3|5)", "STF": "(1|2|3|4|5|7|8)(0|5)(N|P)(F|K|M)(06|10|65|3|5)",
    "STW": "(2|3|4|5|6|7|8)(0|5)(N|P)(F|K|M)(06|10|65|3|5)", "STL": "(1|2|3|4|6|8)(0|5)(N|P)(F|H|L)(3|4|6|10)",
    "STG": "(W|P|F|B)(10|20|30|40|60|80)(H|V|M|NC)(60|65|120)(D|F)", "STPS": "(1|2|3|5|8|9)(L|H)(30|40|45|60|100|150)",
    "STTH": "(1|2|3|5|8|9)(L|R)(02|04|06|12)",
    # analog and power
    "L78": "(05|06|08|09|12|15|18|24|L05|L33|M05|M12)", "L79": "(05|12|15|24|L05|L12|M05)", "LD1": "(117|086|085|084)",
    "LDL": "(1117|112|212)", "VNH": "(2SP30|3SP30|5019|5050|5180|7070|7100|9013)", "VN": "(5E|7|Q|D|L|S)(0|1|2|5|7)(0|1|4|6)(0|5|8)",
    "VIPER": "(06|12|16|22|26|27|35|37|38|50)(L|H)", "TSV": "(61|62|63|71|72|73|91|92|99)(1|2|4)",
    "LIS": "(2|3)(DH|DW|MDL|HH|DE|MDT)", "LSM": "(6DS|9DS1|303)(3|1|0|X|M|A)", "LPS2": "(2HB|5HB|2HH|7HHW|8DFW|2DF)",
    "SPC5": "(60|64|74|84)(B|C|D|L|P)(4|5|6|7)(0|4)", "SPWF": "(01|04)(SA|SC)", "SPBT": "(2632|3040)(C1A|C2A|A0)",
    "BLUENRG": "-(1|2|M|LP|332)", "ST25": "(DV|TV|R|TA)(02K|04K|16K|64K)", "STUSB": "(4500|4700|1600|4710)",
    "ESDA": "(5V3|6V1|7P|25)(L|SC5|BC6|W)", "L62": "(02|03|05|06|07|25|34)(N|PD|Q)", "L64": "(70|72|74|80)(H|PD)",
    "ADF": "(4|5)ddd", "ADM": "(2|3|4|6|8)(48|23|58|81|85|91|31)(1|2|3|5|7)", "ADP": "(1|2|3|5|7)(0|1|2|3|5|7)(0|1|2|4|5|6)",
    "ADUM": "(1|2|3|4|5)(2|4)(0|1|2)(0|1|2|6)", "ADL": "(5|8)(3|5|6|9)(0|1|2|3|5|8)(0|1|2|4|5)", "ADXL": "(3|1)(0|4|5|7|8)(0|2|5|6|7)",
    "ADXRS": "(45|29|62|64)(0|3|6|9)", "ADIS": "16(4|5|3)(0|4|6|7|8|9)(0|5|7)", "ADR": "(4|3|1|0)(5|4|3|2)(0|1|2|5)",
    "ADG": "(7|4|1|5|8)(0|1|3|5)(1|2|4|6|8)", "ADA": "4(8|9|5|6)(0|5|7|9)(6|7|8)", "ADAU": "(1|7)(4|7|8)(0|6)(1|2|4)",
    "ADE7": "(7|8|9)(1|5|6)(3|8)", "ADRV": "(90|91)(0|2|3)(0|2|5|9)", "ADSP": "-(21|BF|SC|CM)(4|5|6|7)(0|2|3|4|6|8)(1|3|5|7|9)",
    "HMC": "Ddd", "LTM": "(46|82|86)(0|1|2|4|6)(0|1|3|4|5|8)", "INA": "Ddd", "DRV": "(80|84|10|52|53|83|88)dd",
    "UCC": "(27|28|37|21|25)ddd", "BQ": "(24|25|27|29|76|78|40|34)ddd", "TCAN": "(1|3|4)(0|3|4)(2|4|6)(2|4|6)",
    "THS": "(3|4|6)(0|1|5)(0|2|3|4|5)(1|2|3)", "TPD": "(1|2|3|4|6|8)(E|S|F)(0|1|2|5)(0|1|5)", "TUSB": "(1|2|3|4|5|8)(0|1|2|4)(0|1|2|6)",
    "LMZ": "(1|2|3)(0|2|4|5)(0|2|3)(0|1|2|3|4)", "LM": "Ddd", "LMV": "(3|7|8)(2|3|5|9)(1|2|4|8)", "LMC": "(6|7)(0|4|5|6)(0|1|2|4|8)",
    "LMH": "(6|5|3)(5|6|7|8)(0|1|2|4)(0|1|2|4|6)", "LMX": "(2|8)(3|4|5|6)(0|1|2|7|9)(0|1|2|4|5)", "ADC08": "(0|1|2|3|8)(0|3|4|8)(1|2|3|4)",
    "CY": "(7C|8C|62|14|15|22|27|25|28)(0|1|2|3|4|5|6)ddd", "MCP": "(1|2|3|4|6|7|9)(0|1|2|3|4|6|8)(0|1|2|3|5|7|8)(0|1|2|4|5|6)",
    "MIC": "(20|5|29|49|94)(0|1|2|3|5|9)(0|1|2|5|9)(0|1|3|5)",
}
# fmt: on

# fmt: off
PREFIX_STYLE = {
    "LM": "national", "LMZ": "national",
    "STM32": "stm32", "GD32": "stm32", "APM32": "stm32", "AT32F": "stm32", "CH32": "stm32", "PY32": "stm32",
    "ATMEGA": "atmel", "ATTINY": "atmel", "ATXMEGA": "atmel", "ATSAM": "atmel", "AT91": "atmel", "AT89": "atmel", "ATECC": "atmel", "AT24": "atmel",
    "AT45": "atmel", "AT25SF": "atmel", "AT25DF": "atmel", "AT25XE": "atmel",
    "MC9S08": "freescale", "MC9S12": "freescale", "MC56F": "freescale", "MC68HC": "freescale", "MCF5": "freescale", "MK": "freescale",
    "BSC": "infineon_mos", "BSZ": "infineon_mos", "IPD": "infineon_mos", "IPB": "infineon_mos", "IPP": "infineon_mos", "IPW": "infineon_mos",
    "IKW": "infineon_mos",
    "XC": "xilinx", "XQ": "xilinx", "EP": "altera", "EPM": "altera", "5M": "altera", "10M": "altera", "10CL": "altera", "10AX": "altera",
    "5CE": "altera", "5CS": "altera", "LCMXO": "lattice", "ICE40": "lattice", "ICE5": "lattice", "LFE": "lattice", "LFXP": "lattice",
    "LIFCL": "lattice", "LC4": "lattice", "A3P": "microsemi", "APA": "microsemi", "AGL": "microsemi", "A54SX": "microsemi", "M2S": "microsemi",
    "M2GL": "microsemi", "MPF": "microsemi",
    "MX25": "macronix", "MX29": "macronix", "MX30": "macronix", "MX66": "macronix", "S25FL": "spansion", "S25FS": "spansion", "S70": "spansion",
    "S29": "amd_flash", "AM29": "amd_flash",
    "K4": "samsung", "K9": "samsung", "KLM": "samsung", "H5TQ": "hynix", "H5TC": "hynix", "H5AN": "hynix", "HY57": "hynix", "H9": "hynix",
    "H26M": "hynix", "H27U": "hynix", "IS42": "sram", "IS43": "sram", "IS45": "sram", "IS46": "sram", "IS61": "sram", "IS62": "sram", "IS66": "sram",
    "AS4C": "sram", "AS6C": "sram", "AS7C": "sram", "NT5": "sram",
    "NRF": "nordic", "ESP": "espressif",
    "GRM": "mlcc_murata", "GCM": "mlcc_murata", "GJM": "mlcc_murata", "GRT": "mlcc_murata",
    "C1005": "mlcc_tdk", "C1608": "mlcc_tdk", "C2012": "mlcc_tdk", "C3216": "mlcc_tdk", "C3225": "mlcc_tdk", "C4532": "mlcc_tdk", "CGA": "mlcc_tdk",
    "C0402C": "mlcc_kemet", "C0805C": "mlcc_kemet", "C1206C": "mlcc_kemet", "C1210C": "mlcc_kemet", "C1812C": "mlcc_kemet",
    "CC0402": "plain", "CC0603": "plain", "CC0805": "plain", "CC1206": "plain", "RC0402": "yageo_res", "RC0603": "yageo_res",
    "RC0805": "yageo_res", "RC1206": "yageo_res", "RT0603": "yageo_res", "ERJ-": "resistor_short", "EXB": "resistor_short",
}
# fmt: on

# Curated makers whose chips are written in a house notation (ICs and discretes only).
# fmt: off
MAKER_STYLE = {
    "Maxim Integrated": "maxim", "Dallas Semiconductor": "maxim", "Linear Technology": "linear", "Analog Devices": "adi",
    "Texas Instruments": "ti", "National Semiconductor": "national", "Burr-Brown": "ti", "NXP Semiconductors": "nxp",
    "Nexperia": "nxp", "Freescale Semiconductor": "freescale", "Microchip Technology": "microchip", "Atmel": "atmel",
    "Silicon Storage Technology": "microchip", "STMicroelectronics": "st", "International Rectifier": "ir",
    "Infineon Technologies": "infineon_ic", "onsemi": "onsemi", "Fairchild Semiconductor": "fairchild",
    "Renesas Electronics": "renesas", "Vishay Intertechnology": "vishay", "Mini-Circuits": "minicircuits", "u-blox": "ublox",
    "Broadcom": "avago",
}
# fmt: on
# fmt: off
MAKER_WEIGHT = {
    "Texas Instruments": 10, "Analog Devices": 6, "STMicroelectronics": 7, "NXP Semiconductors": 5, "Infineon Technologies": 4,
    "Microchip Technology": 6, "onsemi": 6, "Renesas Electronics": 4, "Vishay Intertechnology": 6, "Murata Manufacturing": 6,
    "TDK": 4, "Yageo": 4, "KEMET": 3, "KYOCERA AVX": 2, "Maxim Integrated": 4, "Linear Technology": 4, "Xilinx": 2, "Altera": 2,
    "Atmel": 3, "Diodes Incorporated": 4, "Nexperia": 3, "Micron Technology": 2, "Samsung Electronics": 2, "Bourns": 3,
    "Littelfuse": 1, "TE Connectivity": 2, "Panasonic": 3, "ROHM Semiconductor": 3, "Toshiba": 3, "International Rectifier": 2,
    "Fairchild Semiconductor": 2, "Cypress Semiconductor": 2, "Silicon Labs": 2, "Broadcom": 2, "Würth Elektronik": 2,
}
# fmt: on
SYNTHETIC_WEIGHT = 0.6

# Digi-Key supplier numbers seen in ../shared/data/digikey-parts.csv; other makers get one of ours.
# fmt: off
DIGIKEY_SUPPLIER = {
    "SparkFun Electronics": 1568, "TDK": 445, "Murata Manufacturing": 490, "MACOM Technology Solutions": 1465, "Silicon Labs": 1446,
    "Texas Instruments": 296, "NXP Semiconductors": 568, "Allegro MicroSystems": 620, "CUI Devices": 102, "Vishay Intertechnology": 751,
    "WIZnet": 1278, "STMicroelectronics": 497, "Schurter": 486, "SPEC Sensors": 1684, "TE Connectivity": 223, "Honeywell": 480,
    "Bosch": 828, "ams OSRAM": 475, "Ametherm": 570, "Cypress Semiconductor": 428, "FTDI": 768, "Lite-On": 160, "Broadcom": 516,
    "Lumex": 67, "Würth Elektronik": 732, "Kingbright": 754, "Nexperia": 1727, "Amphenol": 609, "InvenSense": 1428,
    "Everlight Electronics": 1080, "SiTime": 1473, "Integrated Device Technology": 631, "Power Integrations": 596,
    "Microchip Technology": 576, "Alpha and Omega Semiconductor": 785, "Adafruit Industries": 1528, "pSemi": 1046, "Decawave": 1479,
    "Nordic Semiconductor": 1490, "NimbeLink": 1477, "Sierra Wireless": 1495, "RF Digital": 1562, "Digi International": 602,
    "CNC Tech": 1175, "JST": 455, "Harwin": 952, "KEMET": 399, "Keystone Electronics": 36, "Pulse Electronics": 553, "JAE Electronics": 670,
}
# fmt: on
STATUSES = (
    ("Active",) * 82
    + ("Not For New Designs",) * 5
    + ("Last Time Buy",) * 2
    + ("Obsolete",) * 8
    + ("Discontinued at Digi-Key",) * 3
)
POOL = 64
"""Descriptions drawn per kind and seed; families pick one at random."""
DATASHEET_HOST = "https://datasheets.bench.example"
"""Datasheet links point at a reserved (.example) host: the generator never invents real URLs."""

# --------------------------------------------------------------------------- synthetic makers

_CN_CITIES = _words(
    "Shenzhen Wuxi Suzhou Hangzhou Xiamen Chengdu Ningbo Dongguan Zhuhai Hefei Nanjing Changzhou Foshan Qingdao Jinan Wuhan"
)
_CN_BRANDS = _words(
    "Xinyuan Huarui Jingxin Tianrui Hongxin Ruixin Anxin Zhongwei Lianxin Shengbang Kaixin Yuanwei Haoxin Minghua Jiahe "
    "Dingxin Xinhe Weiyu Chuangxin Fuxin Longwei Taixin Baoxin Jinrui Huaxin Yongxin Ximing Chenwei Zhixin Hengrui "
    "Runxin Qixin Shunwei Guoxin Lixin Yaxin Boxin Dexin Kangwei Leixin"
)
# fmt: off
_CN_TRADES = (
    "Microelectronics Co., Ltd.", "Semiconductor Co., Ltd.", "Electronic Technology Co., Ltd.", "Power Technology Co., Ltd.",
    "Electronics Co., Ltd.", "Integrated Circuit Co., Ltd.", "Passive Components Co., Ltd.", "Connector Co., Ltd.",
)
# fmt: on
# fmt: off
_OTHER_SYNTHETIC = (
    ("Kestrel Microsystems Inc.", "US", "ic"), ("Nordvik Halbleiter GmbH", "DE", "discrete"), ("Brightwater Components Ltd.", "GB", "passive"),
    ("Aldercrest Semiconductor Corp.", "US", "ic"), ("Harrowgate Power Systems Ltd.", "GB", "power"), ("Lumenfield Photonics Inc.", "US", "discrete"),
    ("Corvane Devices LLC", "US", "ic"), ("Tamsin RF Inc.", "US", "rf"), ("Veldhoven Passives B.V.", "NL", "passive"),
    ("Saint-Clair Microwave S.A.", "FR", "rf"), ("Oberland Sensorik GmbH", "DE", "ic"), ("Marlow Crystal Ltd.", "GB", "passive"),
    ("Pinecrest Connectors Inc.", "US", "connector"), ("Quillon Memory Corp.", "US", "memory"), ("Stellbach Elektronik GmbH", "DE", "power"),
    ("Hoshimura Denshi Co., Ltd.", "JP", "passive"), ("Kanazawa Device Works Co., Ltd.", "JP", "discrete"), ("Daesung Microdevices Co., Ltd.", "KR", "ic"),
    ("Hanbit Semitech Co., Ltd.", "KR", "discrete"), ("Tienwei Electronics Corp.", "TW", "ic"), ("Hsinmao Technology Corp.", "TW", "memory"),
    ("Lunghwa Precision Industry Corp.", "TW", "connector"), ("Pingtek Semiconductor Corp.", "TW", "discrete"), ("Chanyu Power Corp.", "TW", "power"),
)
# fmt: on
# fmt: off
_SYNTHETIC_PROFILES = {
    "ic": ("switcher", "ldo", "opamp", "interface", "mcu", "power_ic", "logic", "converter"),
    "discrete": ("mosfet", "diode", "tvs", "bjt", "led"),
    "passive": ("mlcc", "resistor", "inductor", "ferrite", "alu_cap", "crystal"),
    "power": ("dcdc", "switcher", "ldo", "power_ic"),
    "rf": ("rf_ic", "rf_component", "rf_module", "antenna"),
    "connector": ("connector", "switch", "relay"),
    "memory": ("flash", "eeprom", "dram"),
}
# fmt: on
# fmt: off
_TRADE_PROFILE = {
    "Microelectronics": "ic", "Semiconductor": "discrete", "Electronic Technology": "ic", "Power Technology": "power",
    "Electronics Co": "passive", "Integrated Circuit": "memory", "Passive Components": "passive", "Connector": "connector",
}
# fmt: on
_PROFILE_STYLE = {
    "discrete": "discrete",
    "passive": "plain",
    "connector": "connector",
    "power": "dcdc",
    "rf": "module",
}


@dataclass(frozen=True, slots=True)
class PrefixFamily:
    prefix: str
    kind: Kind
    shape: Shape
    style: Style


@dataclass(frozen=True, slots=True)
class Maker:
    """One manufacturer the generator writes parts for."""

    name: str
    country: str
    aliases: tuple[str, ...]
    mpn_family: str
    families: tuple[PrefixFamily, ...]
    weight: float
    supplier: int
    slug: str
    synthetic: bool

    @property
    def capacity(self) -> int:
        return sum(f.shape.size for f in self.families)


def _family(prefix: str, kind: Kind, style_name: str) -> PrefixFamily:
    return PrefixFamily(
        prefix, kind, Shape(PREFIX_SHAPE.get(prefix, kind.shape)), STYLES[style_name]
    )


def _compatible(families: list[PrefixFamily]) -> tuple[PrefixFamily, ...]:
    """Drop a prefix whose series could begin with the letters that extend a longer prefix.

    ``AD`` + ``8605`` can never read as ``ADF`` + ...: the series starts with a digit. A prefix
    whose series could (none of the curated ones, but synthetic ones might) is left out, so no
    two prefixes of one maker can produce the same part number.
    """
    kept = []
    for fam in families:
        key = norm(fam.prefix)
        clash = any(
            norm(other.prefix) != key
            and norm(other.prefix).startswith(key)
            and norm(other.prefix)[len(key)] in fam.shape.first
            for other in families
        )
        if not clash:
            kept.append(fam)
    return tuple(kept)


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _spellings(name: str, aliases: list[str]) -> tuple[str, ...]:
    """Aliases that spell this company (``ON Semiconductor`` for onsemi), not a former brand.

    An alias qualifies if it contains the name's first word (or the whole name, when that word
    is shorter than three letters): ``Enpirion`` is an alias of Altera, but Altera's FPGAs are
    never sold as Enpirion's, so it is not used to write them.
    """
    first = _compact(name.split()[0])
    key = first if len(first) >= 3 else _compact(name)
    return tuple(alias for alias in aliases if key in _compact(alias))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _curated(entries: list[dict]) -> list[Maker]:
    makers = []
    for entry in entries:
        if "manufacturer" not in entry["roles"] or not entry["prefixes"]:
            continue
        name = entry["name"]
        house = MAKER_STYLE.get(name)
        families = []
        for prefix in entry["prefixes"]:
            kind = KINDS[PREFIX_KIND[prefix]]
            style = PREFIX_STYLE.get(prefix)
            if style is None:
                # A maker's house notation covers its chips; passives and modules keep the kind's.
                style = house if house and kind.style in ("generic_ic", "discrete") else kind.style
            families.append(_family(prefix, kind, style))
        makers.append(
            Maker(
                name=name,
                country=entry["country"],
                aliases=_spellings(name, entry["aliases"]),
                mpn_family=entry["mpn_family"],
                families=_compatible(families),
                weight=float(MAKER_WEIGHT.get(name, 1)),
                supplier=DIGIKEY_SUPPLIER.get(name, 0),
                slug=_slug(name),
                synthetic=False,
            )
        )
    return makers


def _synthetic(taken_names: set[str], taken_prefixes: set[str]) -> list[Maker]:
    """Plausible makers that exist nowhere, built from a fixed list so they never change."""
    rng = random.Random("synthetic makers v1")
    specs = [(name, country, profile) for name, country, profile in _OTHER_SYNTHETIC]
    brands = list(_CN_BRANDS)
    rng.shuffle(brands)
    for brand in brands:
        trade = rng.choice(_CN_TRADES)
        profile = next(p for word, p in _TRADE_PROFILE.items() if word in trade)
        specs.append((f"{rng.choice(_CN_CITIES)} {brand} {trade}", "CN", profile))
    makers = []
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    for name, country, profile in specs:
        key = _name_key(name)
        if key in taken_names:
            raise ValueError(f"synthetic maker {name!r} collides with a curated one")
        taken_names.add(key)
        initials = "".join(
            w[0] for w in re.findall(r"[A-Za-z]+", name.split(" Co.")[0]) if w[0].isupper()
        )[:3]
        families = []
        for kind_name in rng.sample(
            _SYNTHETIC_PROFILES[profile], k=min(4, len(_SYNTHETIC_PROFILES[profile]))
        ):
            while True:
                prefix = (initials[:2] + rng.choice(letters) + rng.choice(letters[:12]))[
                    : rng.choice((3, 4))
                ]
                if norm(prefix) not in taken_prefixes and not any(
                    norm(prefix).startswith(t) or t.startswith(norm(prefix))
                    for t in (norm(f.prefix) for f in families)
                ):
                    break
            taken_prefixes.add(norm(prefix))
            kind = KINDS[kind_name]
            families.append(_family(prefix, kind, _PROFILE_STYLE.get(profile, kind.style)))
        makers.append(
            Maker(
                name=name,
                country=country,
                aliases=(),
                mpn_family="",
                families=_compatible(families),
                weight=SYNTHETIC_WEIGHT,
                supplier=0,
                slug=_slug(name),
                synthetic=True,
            )
        )
    return makers


_LEGAL = re.compile(r"\b(inc|corp|co|ltd|llc|gmbh|s\.?a|b\.?v|ag)\b\.?", re.IGNORECASE)


def _name_key(name: str) -> str:
    """Coarse name key to keep synthetic names clear of curated ones (case, punctuation, legal form)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", _LEGAL.sub(" ", name.lower())).split())


def _load_makers() -> tuple[Maker, ...]:
    entries = json.loads(SEED_DATA.read_text(encoding="utf-8"))
    curated = _curated(entries)
    names = {_name_key(s) for e in entries for s in (e["name"], *e["aliases"])}
    prefixes = {norm(p) for e in entries for p in e["prefixes"]}
    makers = curated + _synthetic(names, prefixes)
    used = {m.supplier for m in makers if m.supplier}
    free = (n for n in range(2001, 9999) if n not in used)
    return tuple(m if m.supplier else _replace_supplier(m, next(free)) for m in makers)


def _replace_supplier(maker: Maker, supplier: int) -> Maker:
    fields = {f: getattr(maker, f) for f in Maker.__slots__}
    fields["supplier"] = supplier
    return Maker(**fields)


MANUFACTURERS: tuple[Maker, ...] = _load_makers()
"""Every maker the generator writes for: curated entries with prefixes, then the synthetic ones."""
CAPACITY = sum(m.capacity for m in MANUFACTURERS)
"""Families that can be made unique; every family has at least one part, so at least this many rows."""

# --------------------------------------------------------------------------- generation


def _quote(value: str) -> str:
    """CSV quoting, only where needed (commas in categories, families and descriptions)."""
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


class _Generator:
    """The stream behind iter_parts and write_csv: families of parts, one maker at a time."""

    def __init__(self, rows: int, seed: int) -> None:
        if rows > CAPACITY:
            raise ValueError(
                f"{rows} rows exceed what the generator can make unique ({CAPACITY:,})"
            )
        self.rows = rows
        self.rng = random.Random(seed)
        rng = self.rng
        self.pools = {
            name: tuple(
                (family, _describe(template, rng))
                for family, template in (rng.choice(kind.products) for _ in range(POOL))
            )
            for name, kind in KINDS.items()
        }
        # Per maker: its live prefix families with [family, counter, multiplier, offset].
        self.live: list[list] = []
        self.makers: list[Maker] = []
        for maker in MANUFACTURERS:
            states = []
            for fam in maker.families:
                size = fam.shape.size
                state_rng = random.Random(f"{seed}:{maker.name}:{fam.prefix}")
                mult = state_rng.randrange(1, size) if size > 1 else 1
                while math.gcd(mult, size) != 1:
                    mult += 1
                states.append([fam, 0, mult, state_rng.randrange(size)])
            if states:
                self.makers.append(maker)
                self.live.append(states)
        self._rebuild_weights()
        self.sku_serial = 100000

    def _rebuild_weights(self) -> None:
        total, cum = 0.0, []
        for maker in self.makers:
            total += maker.weight
            cum.append(total)
        self.cum, self.total = cum, total

    def families(self) -> Iterator[tuple[tuple[str, ...], list[str], list[str]]]:
        """Yield (shared fields, mpns, skus) per family until ``rows`` parts are out."""
        r = self.rng.random
        pools = self.pools
        left = self.rows
        while left > 0:
            index = bisect.bisect(self.cum, r() * self.total)
            maker = self.makers[index]
            states = self.live[index]
            state = states[int(r() * len(states))]
            fam, counter, mult, offset = state
            shape = fam.shape
            state[1] = counter + 1
            if counter + 1 == shape.size:
                self._retire(index, state)
            base = fam.prefix + shape.decode((counter * mult + offset) % shape.size)
            mpns = [base + tail for tail in _tails(fam.style, fam.kind.volts, r)]
            if len(mpns) > left:
                del mpns[left:]
            left -= len(mpns)
            kind = fam.kind
            family, desc = pools[kind.name][int(r() * POOL)]
            spelling = maker.name
            if maker.aliases and r() < ALIAS_SHARE:
                spelling = maker.aliases[int(r() * len(maker.aliases))]
            hs_codes, eccns = kind.hs_codes, kind.eccn
            shared = (
                spelling,
                kind.category,
                family,
                desc,
                hs_codes[int(r() * len(hs_codes))],
                eccns[int(r() * len(eccns))],
                STATUSES[int(r() * len(STATUSES))],
                f"{DATASHEET_HOST}/{maker.slug}/{norm(base).lower()}.pdf" if r() < 0.6 else "",
            )
            skus = []
            for _ in mpns:
                if r() < DISTRIBUTOR_SHARE:
                    self.sku_serial += 1
                    packing = "-1-ND" if r() < 0.6 else _PACKINGS[int(r() * 4)]
                    skus.append(f"{maker.supplier}-{self.sku_serial}{packing}")
                else:
                    skus.append("")
            yield shared, mpns, skus

    def _retire(self, index: int, state: list) -> None:
        """A prefix has used up its series: drop it, and its maker when nothing is left."""
        states = self.live[index]
        states.remove(state)
        if not states:
            del self.live[index], self.makers[index]
            self._rebuild_weights()


_PACKINGS = ("-2-ND", "-6-ND", "-ND", "-5-ND")
"""Digi-Key packaging codes besides cut tape (-1-ND): tape and reel, Digi-Reel, bulk, tube."""


def _tails(style: Style, volts: bool, r) -> list[str]:
    """One family's tails: 1-4 variant cores, each with 1-3 packaging options; unique by norm."""
    cores, core_keys = style.cores, style.core_keys
    packs, pack_keys = style.packs, style.pack_keys
    n_packs = len(packs)
    seen = set()
    tails = []
    for _ in range(_CORES[int(r() * 7)]):
        pick = int(r() * len(cores))
        core, core_key = cores[pick], core_keys[pick]
        if volts and style.volts and r() < 0.5:
            pick = int(r() * len(style.volts))
            core, core_key = core + style.volts[pick], core_key + style.volt_keys[pick]
        start = int(r() * n_packs)
        for i in range(min(n_packs, _PACKS[int(r() * 5)])):
            pick = (start + i) % n_packs
            key = core_key + pack_keys[pick]
            if key not in seen:
                seen.add(key)
                tails.append(core + packs[pick])
    return tails


_CORES = (1, 1, 1, 2, 2, 3, 4)
_PACKS = (1, 1, 2, 2, 3)


def _csv_chunks(rows: int, seed: int, lines_per_chunk: int = 20000) -> Iterator[str]:
    """The CSV text (header first, LF line ends) in chunks of about ``lines_per_chunk`` lines."""
    lines = [",".join(HEADER)]
    quoted: dict[str, str] = {}
    for shared, mpns, skus in _Generator(rows, seed).families():
        middle = ","
        for value in shared[:4]:  # maker, category, family, description: few distinct values
            q = quoted.get(value)
            if q is None:
                q = quoted[value] = _quote(value)
            middle += q + ","
        middle += ",".join(shared[4:]) + ","  # HS code, ECCN, status, datasheet: never quoted
        with_sku = f"{middle}{DISTRIBUTOR},"
        for mpn, sku in zip(mpns, skus, strict=True):
            if "," in mpn:
                mpn = f'"{mpn}"'
            lines.append(f"{mpn}{with_sku}{sku}" if sku else f"{mpn}{middle},")
        if len(lines) >= lines_per_chunk:
            lines.append("")
            yield "\n".join(lines)
            lines = []
    if lines:
        lines.append("")
        yield "\n".join(lines)


def iter_parts(rows: int, seed: int) -> Iterator[dict[str, str]]:
    """``rows`` catalog rows as dicts keyed by `HEADER`; deterministic for a given ``seed``."""
    for shared, mpns, skus in _Generator(rows, seed).families():
        for mpn, sku in zip(mpns, skus, strict=True):
            yield dict(zip(HEADER, (mpn, *shared, DISTRIBUTOR if sku else "", sku), strict=True))


def write_csv(out, rows: int, seed: int) -> int:
    """Write ``rows`` parts as CSV to the text stream ``out``; returns the rows written."""
    for chunk in _csv_chunks(rows, seed):
        out.write(chunk)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="number of parts (default 100000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", default="-", help="output CSV path, or - for stdout (default)")
    args = parser.parse_args(argv)
    if not 0 <= args.rows <= CAPACITY:
        parser.error(f"--rows must be between 0 and {CAPACITY:,}")
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        if args.out == "-":
            written = write_csv(sys.stdout, args.rows, args.seed)
        else:
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                written = write_csv(out, args.rows, args.seed)
    except (ValueError, OSError) as exc:
        print(f"generate_parts: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        f"generate_parts: {written:,} rows, {len(MANUFACTURERS)} manufacturers, "
        f"{elapsed:.2f} s wall ({written / max(elapsed, 1e-9):,.0f} rows/s), "
        f"{cpu:.2f} s CPU ({written / max(cpu, 1e-9):,.0f} rows/s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
