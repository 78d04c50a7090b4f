"""bench/generate_parts.py: layout, determinism, uniqueness by construction, makers' notations."""

import csv
import io
import itertools
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bench import generate_parts as gp
from catalog.normalize import base, name_key, norm

CHPL = Path(__file__).resolve().parents[2] / "catalog" / "data" / "chpl-hs-codes.csv"
SKU = re.compile(r"\d{1,5}-\d+(?:-\d)?-ND")
MAKER_OF = {name_key(s): m for m in gp.MANUFACTURERS for s in (m.name, *m.aliases)}


def _csv(rows, seed):
    out = io.StringIO()
    assert gp.write_csv(out, rows, seed) == rows
    return out.getvalue()


@pytest.fixture(scope="module")
def sample():
    """40,000 rows parsed back from the CSV text, as the importer would read them."""
    reader = csv.reader(io.StringIO(_csv(40_000, 11)))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def test_header_and_row_count(sample):
    header, rows = sample
    assert tuple(header) == gp.HEADER
    assert len(rows) == 40_000
    assert _csv(0, 1) == ",".join(gp.HEADER) + "\n"
    assert _csv(5, 1).count("\n") == 6


def test_iter_parts_matches_the_csv():
    parsed = list(csv.DictReader(io.StringIO(_csv(500, 4))))
    assert parsed == list(gp.iter_parts(500, 4))


def test_deterministic_per_seed():
    assert _csv(3000, 7) == _csv(3000, 7)
    assert _csv(3000, 7) != _csv(3000, 8)
    # A shorter run is a prefix of a longer one with the same seed (families are cut, not reshuffled).
    assert _csv(3000, 7).startswith(_csv(1000, 7).rsplit("\n", 2)[0])


def test_mpns_unique_per_manufacturer_after_norm(sample):
    _, rows = sample
    keys = Counter((MAKER_OF[name_key(r["manufacturer"])].name, norm(r["mpn"])) for r in rows)
    assert keys.most_common(1)[0][1] == 1


def test_more_than_200_manufacturers(sample):
    _, rows = sample
    assert len(gp.MANUFACTURERS) >= 200
    assert len({m.name for m in gp.MANUFACTURERS}) == len(gp.MANUFACTURERS)
    used = {MAKER_OF[name_key(r["manufacturer"])].name for r in rows}
    assert len(used) >= 200
    assert sum(m.synthetic for m in gp.MANUFACTURERS) >= 40


def test_every_curated_prefix_is_used():
    import json

    entries = json.loads(gp.SEED_DATA.read_text(encoding="utf-8"))
    makers = {m.name: m for m in gp.MANUFACTURERS}
    for entry in entries:
        if entry["prefixes"] and "manufacturer" in entry["roles"]:
            assert [f.prefix for f in makers[entry["name"]].families] == entry["prefixes"]


def test_synthetic_makers_stay_clear_of_curated_names():
    curated = {name_key(m.name) for m in gp.MANUFACTURERS if not m.synthetic}
    curated |= {name_key(a) for m in gp.MANUFACTURERS for a in m.aliases}
    for maker in gp.MANUFACTURERS:
        if maker.synthetic:
            assert name_key(maker.name) not in curated
            assert "(" not in maker.name and "/" not in maker.name


def _by_maker(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[MAKER_OF[name_key(row["manufacturer"])].name].append(row["mpn"])
    return grouped


def test_packaging_notations(sample):
    grouped = _by_maker(sample[1])
    maxim = [m for m in grouped["Maxim Integrated"] if m.startswith("MAX")]
    assert maxim and all(re.search(r"\+T?$", m) for m in maxim)
    assert any(m.endswith("#TRPBF") for m in grouped["Linear Technology"])
    assert any(m.endswith("#PBF") for m in grouped["Linear Technology"])
    assert any(m.endswith("-REEL7") for m in grouped["Analog Devices"])
    assert any(m.endswith("TRPBF") for m in grouped["International Rectifier"])
    assert any(m.startswith("LM") and m.endswith("/NOPB") for m in grouped["Texas Instruments"])
    assert any(re.search(r",\d{3}$", m) for m in grouped["NXP Semiconductors"])
    assert any(re.search(r"-[IEHV]/[A-Z]+$", m) for m in grouped["Microchip Technology"])
    assert any(m.startswith("STM32") for m in grouped["STMicroelectronics"])


@pytest.mark.parametrize(
    "maker",
    [
        "Maxim Integrated",
        "Linear Technology",
        "Analog Devices",
        "NXP Semiconductors",
        "International Rectifier",
    ],
)
def test_families_share_a_base(sample, maker):
    """LTC3414EFE, LTC3414EFE#PBF, LTC3414EFE#TRPBF: most parts share the normaliser's base."""
    family = next(m.mpn_family for m in gp.MANUFACTURERS if m.name == maker)
    mpns = _by_maker(sample[1])[maker]
    bases = Counter(base(mpn, family) for mpn in mpns)
    assert sum(n for n in bases.values() if n > 1) > 0.5 * len(mpns)


def test_hs_codes_mostly_chpl(sample):
    chpl = {row["hs6"] for row in csv.DictReader(CHPL.open(encoding="utf-8"))}
    codes = Counter(r["hs_code"] for r in sample[1])
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    in_chpl = sum(n for code, n in codes.items() if code in chpl)
    assert 0.6 < in_chpl / len(sample[1]) < 0.98
    assert {"854231", "854232", "854233", "854239"} <= set(codes)


def test_digikey_offers(sample):
    rows = sample[1]
    offers = [r for r in rows if r["distributor_sku"]]
    assert 0.27 < len(offers) / len(rows) < 0.33
    assert all(
        r["distributor"] == "Digi-Key" and SKU.fullmatch(r["distributor_sku"]) for r in offers
    )
    assert len({r["distributor_sku"] for r in offers}) == len(offers)
    assert all(not r["distributor"] for r in rows if not r["distributor_sku"])


def test_fields_fit_the_catalog(sample):
    for row in sample[1]:
        assert 0 < len(row["mpn"]) <= 120 and row["mpn"].isascii()
        assert row["status"] in set(gp.STATUSES)
        assert row["eccn"] == "" or re.fullmatch(r"EAR99|\d[A-E]\d{3}(\.[a-z0-9]+)*", row["eccn"])
        assert row["datasheet"] == "" or row["datasheet"].startswith(gp.DATASHEET_HOST + "/")
        assert row["category"] and row["family"] and row["description"]


@pytest.mark.parametrize(
    "spec",
    [
        "(HC|HCT|LS)(00|02|125)",
        "Dddd",
        "(2|3|10|12)(P|S)-1.25(H|V)",
        "(5U|3|2)-(12|25)(F|EA)",
        "-(R|LP|LPV)-(SMT|066)",
    ],
)
def test_shape_decodes_every_index_to_a_distinct_prefix_free_series(spec):
    shape = gp.Shape(spec)
    series = sorted(norm(shape.decode(i)) for i in range(shape.size))
    assert len(set(series)) == shape.size
    assert not any(b.startswith(a) for a, b in itertools.pairwise(series))


@pytest.mark.parametrize("spec", ["(F|FJ)", "(A|AB)(B|C)", "(1|10)d", "(X|)"])
def test_ambiguous_shapes_are_refused(spec):
    with pytest.raises(ValueError):
        gp.Shape(spec)


def test_every_shape_in_use_is_injective_on_a_sample():
    for maker in gp.MANUFACTURERS:
        for fam in maker.families:
            shape = fam.shape
            step = max(1, shape.size // 500)
            series = sorted(norm(shape.decode(i)) for i in range(0, shape.size, step))
            assert len(set(series)) == len(series), fam.prefix
            assert not any(b.startswith(a) for a, b in itertools.pairwise(series)), fam.prefix


def test_a_prefix_that_could_read_as_a_longer_one_is_dropped():
    kind = gp.KINDS["mcu"]
    style = gp.STYLES["plain"]
    short = gp.PrefixFamily("AB", kind, gp.Shape("(C|D)dd"), style)  # ABC12 vs ABC + 12...
    long = gp.PrefixFamily("ABC", kind, gp.Shape("ddd"), style)
    other = gp.PrefixFamily("AB", kind, gp.Shape("ddd"), style)  # AB123 can never start with ABC
    assert gp._compatible([short, long]) == (long,)
    assert gp._compatible([other, long]) == (other, long)


def test_too_many_rows_is_a_clear_error(tmp_path):
    assert gp.CAPACITY == sum(m.capacity for m in gp.MANUFACTURERS) > 5_000_000
    with pytest.raises(ValueError, match="exceed"):
        next(gp.iter_parts(gp.CAPACITY + 1, 1))
    with pytest.raises(SystemExit):
        gp.main(["--rows", str(gp.CAPACITY + 1), "--out", str(tmp_path / "big.csv")])
    assert not (tmp_path / "big.csv").exists()


def test_command_line(tmp_path, capsys):
    out = tmp_path / "parts.csv"
    assert gp.main(["--rows", "250", "--seed", "5", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == _csv(250, 5)
    assert "250 rows" in capsys.readouterr().err
    assert gp.main(["--rows", "10", "--out", str(tmp_path / "missing" / "x.csv")]) == 2
    assert "generate_parts:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        gp.main(["--rows", "-1"])


@pytest.mark.django_db
def test_generated_file_imports_without_rejects(tmp_path):
    from catalog.importer import import_catalog_file

    path = tmp_path / "parts.csv"
    path.write_text(_csv(3000, 21), encoding="utf-8")
    summary = import_catalog_file(path, reject_path=tmp_path / "rejects.csv")
    assert summary.ok, summary.refused
    assert (summary.created, summary.rejected) == (3000, 0)
    synthetic = {m.name for m in gp.MANUFACTURERS if m.synthetic}
    assert set(summary.organisation_names) <= synthetic
