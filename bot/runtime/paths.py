"""Where the repository's own files are: the bundled articles and the documented defaults.

Kept apart from bot/runtime/settings.py so the terminal commands can find the bundled articles without
importing pydantic-settings (a fifth of a second at start-up).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # bot/runtime/paths.py
BUNDLED_CORPUS = REPO_ROOT / "corpus"
DEFAULTS_FILE = REPO_ROOT / "config" / "defaults.env"
