"""Set-up and everyday tasks, with nothing but Python and pip.

    python3 tasks.py demo   # create .venv if needed, install, run the main job (banshishi demo)
    python3 tasks.py test   # create .venv if needed, install, run lint, types and tests
    python3 tasks.py docs   # regenerate the generated parts of docs/ (tables, JSON Schemas)

The virtual environment is rebuilt only when ``pyproject.toml`` changes, so the
second run of either command starts at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".banshishi-installed"


def _run(*args: str | Path) -> int:
    print("$", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT)


def _ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[test,dev]") != 0:
        sys.exit("installing banshishi and its test tools failed")
    STAMP.write_text(wanted)


def demo() -> int:
    _ensure_venv()
    # The demo campaign into banshishi.db (replaced on each run), then its dashboard.
    return _run(BIN / ("banshishi.exe" if os.name == "nt" else "banshishi"), "demo", "--replace")


def test() -> int:
    _ensure_venv()
    code = ("src", "tests", "benchmarks", "tasks.py")
    steps = [
        (BIN / "ruff", "check", *code),
        (BIN / "ruff", "format", "--check", *code),
        (PYTHON, "-m", "mypy", "--strict", "src"),
        # Both cores: the tests run in two worker processes (pytest-xdist).
        (PYTHON, "-m", "pytest", "-n", "2"),
    ]
    failed = [step for step in steps if _run(*step) != 0]
    if failed:
        print(f"FAILED: {len(failed)} of {len(steps)} steps", file=sys.stderr)
        return 1
    return 0


# The test modules that write the generated parts of docs/ when run as scripts: the
# vocabulary tables, the workflow diagrams and tables, the Open311 status table and
# the JSON Schemas. Their tests fail while what is committed differs.
GENERATORS = (
    "tests/test_glossary.py",
    "tests/workflow/test_workflow_docs.py",
    "tests/exchange/test_open311.py",
    "tests/exchange/test_json_schema.py",
)


def docs() -> int:
    _ensure_venv()
    # tests/ on the path, as pytest puts it, for the shared modules (strategies, paths).
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    failed = [
        script
        for script in GENERATORS
        if subprocess.call([str(PYTHON), script], cwd=ROOT, env=env) != 0
    ]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


TASKS = {"demo": demo, "test": test, "docs": docs}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}}")
    sys.exit(TASKS[sys.argv[1]]())
