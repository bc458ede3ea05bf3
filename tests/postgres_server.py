"""A throwaway PostgreSQL server for tests: a fresh cluster in a temporary directory, reached only
through a Unix socket there, stopped and removed when the tests are done.

It runs Debian's PostgreSQL binaries (initdb, pg_ctl). initdb and pg_ctl refuse to run as root,
so when the suite runs as root (as it always does in CI) the cluster belongs to `nobody`, the
user tests/unprivileged.py drops to. Each caller gets its own directory, socket and cluster, so
pytest-xdist's workers may each start one at the same time.

A small watchdog process, started beside the cluster, stops it (pg_ctl stop -m immediate) and
removes the directory as soon as the process that started it closes the watchdog's pipe, by
`stop()` or by dying in any way, even killed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

# The database initdb makes, which every cluster has; tests make their own beside it.
MAINTENANCE_DATABASE = "postgres"
# The superuser initdb makes; the cluster trusts whoever reaches its socket.
SUPERUSER = "postgres"
# A loaded CI machine may take a while to start a cluster; pg_ctl waits this long at most.
START_TIMEOUT_SECONDS = 120
# Settings for a cluster that only tests use: nothing to keep if the machine crashes, so no
# flushing to disk; no TCP at all; small memory, as several may run at once.
TEST_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'16MB'",
    "max_connections": "100",
}

# Run by the watchdog: wait for EOF on stdin (the starter stopped or died), then stop the cluster.
_WATCHDOG = """
import shutil, signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
sys.stdin.buffer.read()
pg_ctl, data, directory, uid, gid = sys.argv[1:6]
user = dict(user=int(uid), group=int(gid), extra_groups=[]) if uid != "-" else {}
subprocess.run([pg_ctl, "stop", "-D", data, "-m", "immediate", "-w"], cwd=directory,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **user)
shutil.rmtree(directory, ignore_errors=True)
"""


class PostgresUnavailable(RuntimeError):
    """No throwaway server can be started here; the message says why, in one line."""


def find_postgres_bindir() -> Path:
    """The directory holding initdb and pg_ctl: pg_config's, else the newest Debian version's
    under /usr/lib/postgresql, else the one on PATH. PostgresUnavailable when none has both."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    debian = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin") if Path(d).parent.name.isdigit()]
    candidates += sorted(debian, key=lambda d: int(d.parent.name), reverse=True)
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise PostgresUnavailable("PostgreSQL's initdb and pg_ctl were not found (install Debian's postgresql package)")


def _cluster_owner() -> dict:
    """subprocess options that run a PostgreSQL binary as a user it accepts: this user, or
    `nobody` when this is root."""
    if os.geteuid() != 0:
        return {}
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        raise PostgresUnavailable("running as root, and there is no user 'nobody' to own a PostgreSQL cluster") from None
    return dict(user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])


def _environment() -> dict[str, str]:
    """This environment without the PG* variables that would point the binaries elsewhere."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    environment["LC_ALL"] = "C"
    return environment


@dataclass
class PostgresServer:
    """A running throwaway cluster: `url()` gives a libpq URL for one of its databases."""

    directory: Path
    socket_directory: Path
    _watchdog: subprocess.Popen = field(repr=False)

    def url(self, database: str = MAINTENANCE_DATABASE) -> str:
        """postgresql:///DATABASE?host=SOCKET_DIRECTORY&user=postgres"""
        return f"postgresql:///{quote(database)}?host={quote(str(self.socket_directory))}&user={SUPERUSER}"

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database of its own (a unique name), as a URL; dropped afterwards with
        whatever connections are still open to it."""
        import psycopg

        name = f"test_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            with psycopg.connect(self.url(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stops the cluster and removes its directory; waits until both are done. Idempotent."""
        if self._watchdog.stdin and not self._watchdog.stdin.closed:
            self._watchdog.stdin.close()
        self._watchdog.wait()


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def _run(args: list, directory: Path, owner: dict, what: str) -> None:
    """Runs one PostgreSQL binary as the cluster's owner; PostgresUnavailable with the last line
    it (or the server's log) wrote when it fails."""
    done = subprocess.run(args, cwd=directory, env=_environment(), capture_output=True, text=True, **owner)
    if done.returncode != 0:
        log = directory / "server.log"
        said = _last_line(log.read_text(errors="replace")) if log.exists() else ""
        said = said or _last_line(done.stderr or done.stdout) or f"exit status {done.returncode}"
        raise PostgresUnavailable(f"{what} failed: {said}")


def start_postgres_server() -> PostgresServer:
    """Starts a fresh cluster in its own temporary directory, returned once it accepts
    connections. PostgresUnavailable (with the reason) when it cannot be started."""
    bindir = find_postgres_bindir()
    owner = _cluster_owner()
    directory = Path(tempfile.mkdtemp(prefix="sora-quotes-postgres-"))
    data, sockets = directory / "data", directory / "socket"
    sockets.mkdir()
    sockets.chmod(0o755)  # any user of the suite (a bot run as nobody too) may reach the socket
    if owner:
        for path in (directory, sockets):
            os.chown(path, owner["user"], owner["group"])
    uid_gid = (str(owner["user"]), str(owner["group"])) if owner else ("-", "-")
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(bindir / "pg_ctl"), str(data), str(directory), *uid_gid],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the suite does not stop it before it stops the cluster
    )
    server = PostgresServer(directory, sockets, watchdog)
    try:
        _run([bindir / "initdb", "-D", data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
             directory, owner, "initdb")
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"unix_socket_directories = '{sockets}'\n")
            conf.writelines(f"{name} = {value}\n" for name, value in TEST_SETTINGS.items())
        _run([bindir / "pg_ctl", "start", "-D", data, "-l", directory / "server.log", "-w", "-t", str(START_TIMEOUT_SECONDS)],
             directory, owner, "pg_ctl start")
    except BaseException:
        server.stop()
        raise
    return server
