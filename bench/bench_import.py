"""Catalog import speed on PostgreSQL, beside a raw COPY of the same file, in one run.

    python -m bench.bench_import [--rows 1000000] [--seed 1] [--keep]

1. generates N realistic parts with bench/generate_parts.py;
2. creates a dedicated database (`bench_import`, dropped at the end unless --keep) and migrates it,
   so the curated seed is there and the parts table is empty;
3. runs the real command, `manage.py import_catalog FILE -v2`, as a child process: first into the
   empty catalog, then again with the same file (every row unchanged); each child's peak RSS comes
   from os.wait4;
4. COPYs the same file into a plain, index-free table of text columns: the floor for "getting the
   bytes into PostgreSQL";
5. prints seconds, rows/s and peak RSS side by side, plus the import's own phase timings.

The server is PostgreSQL at BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), whose
`postgres` database is used to create and drop the benchmark database. Figures: docs/import.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "bench_import"
TARGET_SECONDS = 120
RAW_COLUMNS = (
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


def _server() -> str:
    return os.environ.get("BENCH_PG_URL", DEFAULT_SERVER).rstrip("/")


def _admin(sql: str) -> None:
    with psycopg.connect(f"{_server()}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str, str, float]:
    """Run a child; (seconds, peak RSS in bytes, stdout, stderr, its CPU seconds). Raises if it fails."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-4000:]}"
        )
    return seconds, usage.ru_maxrss * 1024, stdout, stderr, usage.ru_utime + usage.ru_stime


def _summary(stdout: str) -> dict[str, str]:
    """The figures `import_catalog -v2` prints (parts/offers counts and phase timings)."""
    found = {}
    for key, pattern in (
        ("parts", r"parts:\s+(.*)"),
        ("offers", r"offers:\s+(.*)"),
        ("phases", r"phases:\s+(.*)"),
    ):
        match = re.search(pattern, stdout)
        found[key] = match.group(1).strip() if match else "?"
    return found


def _report(label: str, run: tuple[float, int, str, str, float]) -> None:
    found = _summary(run[2])
    print(
        f"  {label}: {run[0]:.1f} s; parts {found['parts']}; offers {found['offers']}", flush=True
    )


def _raw_copy(url: str, path: Path) -> float:
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_copy")
        conn.execute(
            "CREATE TABLE bench_raw_copy ("
            + ", ".join(f"{column} text" for column in RAW_COLUMNS)
            + ")"
        )
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor:
            columns = ", ".join(RAW_COLUMNS)
            with (
                cursor.copy(
                    f"COPY bench_raw_copy ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy,
                open(path, "rb") as source,
            ):
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM bench_raw_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_raw_copy")
        conn.commit()
    if rows != _data_rows(path):
        raise SystemExit(f"raw COPY loaded {rows:,} rows, expected {_data_rows(path):,}")
    return seconds


def _data_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh) - 1


def _mb(size: int) -> str:
    return f"{size / 1048576:,.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="parts (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")

    url = f"{_server()}/{DATABASE}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "VAR_DIR": tempfile.mkdtemp(prefix="bench-import-var-"),
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as work:
        path = Path(work) / f"parts-{args.rows}.csv"
        generated, *_ = _run(
            [python, "bench/generate_parts.py", "--rows", str(args.rows), "--seed", str(args.seed),
             "--out", str(path)],
            env,
        )  # fmt: skip
        rows = _data_rows(path)
        print(
            f"{rows:,} rows ({_mb(path.stat().st_size)}) generated in {generated:.1f} s; "
            f"{os.cpu_count()} cores; load average {load_before[0]:.1f}",
            flush=True,
        )
        _admin(f"DROP DATABASE IF EXISTS {DATABASE}")
        _admin(f"CREATE DATABASE {DATABASE}")
        try:
            _run([python, "manage.py", "migrate", "--noinput", "-v0"], env)
            with psycopg.connect(url) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
                conn.execute("CHECKPOINT")
            command = [python, "manage.py", "import_catalog", str(path), "-v2"]
            first = _run(command, env)
            _report("import", first)
            second = _run(command, env)
            _report("re-import", second)
            raw = _raw_copy(url, path)
        finally:
            if not args.keep:
                _admin(f"DROP DATABASE IF EXISTS {DATABASE}")
    load_after = os.getloadavg()

    results = [
        ("import_catalog into an empty catalog", first[0], first[1], first[4]),
        ("import_catalog again (all unchanged)", second[0], second[1], second[4]),
        ("raw COPY into a plain table", raw, None, None),
    ]
    print(f"\nCatalog import, {rows:,} rows, PostgreSQL {version}:")
    print(f"  {'':<38} {'seconds':>8} {'rows/s':>10} {'peak RSS':>9} {'Python CPU s':>13}")
    for label, seconds, rss, cpu in results:
        rss_text = _mb(rss) if rss else "-"
        cpu_text = f"{cpu:.1f}" if cpu is not None else "-"
        print(f"  {label:<38} {seconds:8.1f} {rows / seconds:10,.0f} {rss_text:>9} {cpu_text:>13}")
    print(f"  import vs raw COPY: {first[0] / raw:.1f}x the time")
    print(f"  import phases:    {_summary(first[2])['phases']}")
    print(f"  re-import phases: {_summary(second[2])['phases']}")
    if rows >= 1_000_000:
        verdict = "within" if first[0] * 1_000_000 / rows <= TARGET_SECONDS else "OVER"
        print(f"  target: 1,000,000 rows in {TARGET_SECONDS} s -> {verdict}")
    print(f"  load average: {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
