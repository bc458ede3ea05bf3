"""The operator's view of what a bot under test recorded: `python -m bot feedback --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import REPO


def feedback_report(database: Path) -> dict[str, Any]:
    """`python -m bot feedback --json` on `database`, as the operator runs it."""
    environment = os.environ | {"FEEDBACK_DB_PATH": str(database), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "bot", "feedback", "--json"], capture_output=True, text=True,
                          encoding="utf-8", env=environment, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
