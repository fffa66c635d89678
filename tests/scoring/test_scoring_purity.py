"""The scoring engine is a pure, standard-library-only package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ["flask", "sqlalchemy", "marshmallow", "pandas", "yaml"]


def test_importing_the_engine_pulls_in_no_web_or_data_libraries() -> None:
    code = (
        "import json, sys\n"
        "import socialvalue.scoring, socialvalue.scoring.cli\n"
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(completed.stdout) == []


def test_package_sources_import_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"socialvalue"}
    package = ROOT / "socialvalue" / "scoring"
    for path in sorted(package.glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in {"import", "from"} and not words[1].startswith("."):
                top = words[1].split(".")[0]
                assert top in allowed or top == "__future__", (path.name, line)
