"""Running a child process without root's power over file modes, so that tests of unreadable
files and directories run when the suite runs as root (as it always does in CI) instead of
being skipped.

As root the child becomes `nobody` when that user can reach the interpreter and the project;
where it cannot (a Python installed under /root, mode 700), the child stays uid 0 but without
the capabilities that let root ignore file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so a
mode of 0 stops it as it stops any other user. As any other user the child simply runs.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Capabilities that let root read and search whatever a file's mode (see capabilities(7)).
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
PR_CAPBSET_DROP = 24


def _others_can_use(path: Path) -> bool:
    """Whether a user who is neither owner nor in the group can reach and read `path`: every
    directory above it searchable by others, the file itself readable by others."""
    path = path.resolve()
    for directory in path.parents:
        if not directory.stat().st_mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


def _nobody_can_run_the_project() -> bool:
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return False
    return _others_can_use(Path(sys.executable)) and _others_can_use(REPO / "bot" / "__main__.py")


def _drop_file_mode_overrides() -> None:
    """In the child, before exec: root's file-mode overrides leave the bounding set, so the
    program it runs starts without them."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def how_unprivileged() -> str:
    """How `run_unprivileged` runs its child here: "as this user", "as nobody" or "as root
    without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH" (for test reports)."""
    if os.geteuid() != 0:
        return "as this user"
    return "as nobody" if _nobody_can_run_the_project() else "as root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH"


def run_unprivileged(args: list[str], **options) -> subprocess.CompletedProcess:
    """subprocess.run(args, **options) in a child that file modes bind (see the module's
    docstring); `options` as subprocess.run takes them."""
    if os.geteuid() == 0:
        if _nobody_can_run_the_project():
            nobody = pwd.getpwnam("nobody")
            options.update(user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])
        else:
            options.update(preexec_fn=_drop_file_mode_overrides)
    return subprocess.run(args, **options)


@contextmanager
def shared_directory() -> Iterator[Path]:
    """A fresh directory any user may enter, read and write (pytest's own are root's alone);
    removed afterwards, whatever modes the test left inside it."""
    directory = Path(tempfile.mkdtemp(prefix="sora-quotes-unprivileged-"))
    directory.chmod(0o777)
    try:
        yield directory
    finally:
        for parent, subdirectories, _ in os.walk(directory):  # each opened before it is walked into
            for name in subdirectories:
                os.chmod(os.path.join(parent, name), 0o777)
        shutil.rmtree(directory)
