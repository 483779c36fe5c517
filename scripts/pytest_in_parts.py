"""Run a folder's test files in a few pytest processes, one after the other.

Usage: ``python scripts/pytest_in_parts.py PARTS FOLDER [pytest options...]``

Why: one pytest process running the whole integration suite keeps growing (botocore sessions and
moto's copies of items are held until the process ends, about 25 MB a test), and past 900 tests it
no longer fits in the 24 GiB of a CI machine. Each part starts a fresh process on its share of the
files (in name order, cut into parts of about the same number of files); the run fails if any part
fails, and every part runs whatever the others did, so one run reports every failure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def parts(files: list[str], count: int) -> list[list[str]]:
    """``files`` cut, in order, into ``count`` runs of about the same length (none empty)."""
    size, extra = divmod(len(files), count)
    cut, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        if end > start:
            cut.append(files[start:end])
        start = end
    return cut


def main(argv: list[str]) -> int:
    count, folder, *options = argv
    files = sorted(str(path) for path in Path(folder).glob("test_*.py"))
    failed = 0
    for number, share in enumerate(parts(files, int(count)), start=1):
        print(f"==> part {number}: {share[0]} .. {share[-1]} ({len(share)} files)", flush=True)
        failed |= subprocess.call([sys.executable, "-m", "pytest", *options, *share]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
