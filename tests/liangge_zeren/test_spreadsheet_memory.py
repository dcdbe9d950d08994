"""Memory stays bounded and comes back: measured, on a large legal import and on a zip bomb.

Two measurements, both independent of how busy the machine is:
- tracemalloc (every Python allocation) around the real import: its peak, and what is still
  allocated afterwards compared with before (the baseline);
- the resident set of a fresh process (VmRSS/VmHWM from /proc) that reads the files with the
  kit's reader, as an import worker does.
The bounds are generous; the numbers are printed (pytest -s)."""

import gc
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from liangge_zeren.actors import COMMAND
from responsibilities import importer
from tests.liangge_zeren import bombs

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
IMPORT_ROWS = 5_000  # checked row by row against the database: the import's own cost
READ_ROWS = 50_000  # half the row limit: what the reader streams


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return {
        "import": bombs.workbook(bombs.org_rows(IMPORT_ROWS)),
        "large": bombs.workbook(bombs.org_rows(READ_ROWS)),
        "bomb": bombs.shared_strings_bomb(),
    }


def _traced(run) -> tuple[int, int]:
    """(peak above the baseline, still allocated above the baseline) of `run()`, in bytes."""
    gc.collect()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    run()
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    return peak - baseline, current - baseline


def test_it_returns_python_memory_to_its_baseline_after_a_large_import_and_a_bomb(files, db):
    def large() -> None:
        result = importer.import_file(files["import"], "large.xlsx", dry_run=True, actor=COMMAND)
        assert result.ok and result.counts[importer.ORG].created == IMPORT_ROWS

    def bomb() -> None:
        result = importer.import_file(files["bomb"], "bomb.xlsx", actor=COMMAND)
        assert not result.ok

    importer.import_file(
        bombs.workbook(bombs.org_rows(5)), "warm.xlsx", dry_run=True, actor=COMMAND
    )
    bomb()  # caches (translations, choice tables) warm before measuring
    tracemalloc.start()
    try:
        large_peak, large_left = _traced(large)
        bomb_peak, bomb_left = _traced(bomb)
    finally:
        tracemalloc.stop()
    print(
        f"\ntracemalloc: import ({IMPORT_ROWS:,} rows, {len(files['import']) / MB:.2f} MB) "
        f"peak +{large_peak / MB:.1f} MB, left +{large_left / MB:.2f} MB; "
        f"bomb ({len(files['bomb']) / MB:.2f} MB → 300 MB) peak +{bomb_peak / MB:.2f} MB, "
        f"left +{bomb_left / MB:.2f} MB"
    )
    assert large_peak < 200 * MB  # the whole file is held to be checked before writing
    assert large_left < 2 * MB
    assert bomb_peak < 8 * MB  # refused from the archive's directory: nothing inflated
    assert bomb_left < 1 * MB


CHILD = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from liangge_zeren.spreadsheets import TableReader
    from responsibilities.importer import SHEETS

    def status(key):
        with open("/proc/self/status") as f:
            line = next(l for l in f if l.startswith(key + ":"))
        return int(line.split()[1]) * 1024

    class Log:
        def __init__(self):
            self.notices, self.errors = [], []
        def error(self, title, row, column, message, *, sheet_kind=""):
            self.errors.append(message)

    out = {}
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            data = f.read()
        before = status("VmRSS")
        peak_before = status("VmHWM")
        log = Log()
        tables = TableReader(log, SHEETS).read(data, path)
        rows = sum(len(t.rows) for t in tables)
        del tables, data
        out[path] = {
            "before": before,
            "peak_before": peak_before,
            "peak": status("VmHWM"),
            "after": status("VmRSS"),
            "rows": rows,
            "errors": log.errors,
        }
    print(json.dumps(out))
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_it_a_reading_process_never_inflates_a_bomb(files, tmp_path):
    paths = {}
    for name in ("large", "bomb"):
        data = files[name]
        paths[name] = tmp_path / f"{name}.xlsx"
        paths[name].write_bytes(data)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liangge_zeren.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "x" * 64,
    }
    # The bomb first: its growth is measured against the peak of a process that read nothing.
    argv = [sys.executable, "-c", CHILD, str(paths["bomb"]), str(paths["large"])]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    bomb, large = report[str(paths["bomb"])], report[str(paths["large"])]
    grew = {
        name: (r["peak"] - max(r["peak_before"], r["before"]), r["after"] - r["before"])
        for name, r in (("bomb", bomb), ("large", large))
    }
    print(
        "\nRSS: bomb peak +{:.1f} MB, after +{:.1f} MB; large ({} rows) peak +{:.1f} MB, "
        "after +{:.1f} MB".format(
            grew["bomb"][0] / MB,
            grew["bomb"][1] / MB,
            large["rows"],
            grew["large"][0] / MB,
            grew["large"][1] / MB,
        )
    )
    assert bomb["errors"] and "压缩炸弹" in bomb["errors"][0]
    assert large["rows"] == READ_ROWS and not large["errors"]
    assert grew["bomb"][0] < 32 * MB and grew["bomb"][1] < 32 * MB  # parsed, it took GBs
    assert grew["large"][0] < 300 * MB
