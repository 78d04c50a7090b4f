"""`manage.py resolve`: arguments, --file, --json (the API's fields), clear errors."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .resolver_support import build_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts(db):
    return build_catalog()


def run(*args, stdin: str | None = None, monkeypatch=None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("resolve", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_human_output_names_part_maker_owner_and_date(parts):
    out, _ = run("Transceiver МАХ3490 2231")
    assert "status: confident" in out
    assert "MAX3490EESA+  Maxim Integrated, owner Analog Devices, US" in out
    assert "date code: 2231 read as YYWW" in out
    assert "after the export controls" in out


def test_json_lines_have_the_api_fields(parts, client_for):
    out, _ = run("--json", "AD7450BRZ 2245", "LM258 274 ZD0XG3")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["text"] for line in lines] == ["AD7450BRZ 2245", "LM258 274 ZD0XG3"]
    api = client_for("analyst").post("/api/v1/resolve/", {"text": "AD7450BRZ 2245"}, format="json")
    assert set(lines[0]) == set(api.json())
    assert lines[0] == api.json()
    assert lines[1]["lot_code"] == "ZD0XG3"


def test_file_with_one_text_per_line(parts, tmp_path):
    path = tmp_path / "markings.txt"
    path.write_text("AD7450BRZ\n\n5N74HC595N\nonly words here\n", encoding="utf-8")
    out, _ = run("--json", "--file", str(path))
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["text"] for line in lines] == ["AD7450BRZ", "5N74HC595N", "only words here"]
    assert lines[1]["candidates"][0]["mpn"] == "SN74HC595N"
    assert lines[2]["status"] == "unknown"


def test_arguments_and_file_together(parts, tmp_path):
    path = tmp_path / "markings.txt"
    path.write_text("LTC3414\n", encoding="utf-8")
    out, _ = run("--json", "AD7450BRZ", "--file", str(path))
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["AD7450BRZ", "LTC3414"]


def test_standard_input(parts, monkeypatch):
    out, _ = run("--json", "--file", "-", stdin="IRF7103TRPBF\n", monkeypatch=monkeypatch)
    assert json.loads(out)["candidates"][0]["mpn"] == "IRF7103TRPBF"


def test_top_limits_the_candidates_shown(parts):
    out, _ = run("--top", "1", "LM258")
    assert "  1. " in out and "  2. " not in out


def test_missing_file_is_a_clear_error(parts, tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        run("--file", str(tmp_path / "nope.txt"))


def test_directory_is_a_clear_error(parts, tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        run("--file", str(tmp_path))


def test_binary_file_is_a_clear_error(parts, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x80\x81")
    with pytest.raises(CommandError, match="not UTF-8"):
        run("--file", str(path))


def test_nothing_to_resolve(parts):
    with pytest.raises(CommandError, match="Nothing to resolve"):
        run()


def test_refused_texts_are_reported_and_fail_the_run(parts):
    with pytest.raises(CommandError, match="1 text"):
        run("--json", "AD7450BRZ", "   ")


def test_refused_text_does_not_stop_the_others(parts, tmp_path):
    path = tmp_path / "markings.txt"
    path.write_text("AD7450BRZ\n" + "x" * 10_001 + "\nLTC3414\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("resolve", "--json", "--file", str(path), stdout=out, stderr=err)
    assert "line 2: the text has 10,001 characters" in err.getvalue()
    texts = [json.loads(line)["text"] for line in out.getvalue().splitlines()]
    assert texts == ["AD7450BRZ", "LTC3414"]


def test_bad_top_value(parts):
    with pytest.raises(CommandError, match="--top"):
        run("--top", "0", "AD7450BRZ")


def test_exit_status_is_non_zero_for_a_missing_file(tmp_path):
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "resolve", "--file", str(tmp_path / "missing.txt")],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "DEBUG": "1"},
        check=False,
    )
    assert result.returncode == 1
    assert "File not found" in result.stderr
