"""`make bench`: run every benchmark module in turn; each prints its own figures side by side.

Set BENCH_ONLY=name1,name2 to run some of them; the sizes come from each module's defaults or its
environment variables (see docs/).
"""

import importlib
import os
import sys
import time

MODULES = [
    "normalize",
    "bench_photos",
    "bench_findings",
    "bench_notifications",
    "bench_import",
    "bench_graph",
    "bench_screening",
    "bench_pages",
    "bench_resolver",
    "bench_resolver_quality",
]


def main() -> int:
    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    failed = []
    for name in MODULES:
        if only and name not in only:
            continue
        print(f"\n===== bench.{name} =====", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        try:
            module.main([])
        except SystemExit as exc:
            if exc.code not in (0, None):
                failed.append(name)
        print(f"(bench.{name} took {time.perf_counter() - started:.1f} s)", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
