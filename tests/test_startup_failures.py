"""A bad set-up stops a command with one line naming the file, setting or port, and exit status
2, never a traceback: run the way an operator runs them, in a subprocess."""

from __future__ import annotations

import http.server
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from bot.runtime.settings import SettingsError, health_port_for, load_settings
from tests.bot_process import SHUTDOWN_GRACE_SECONDS
from tests.unprivileged import how_unprivileged, run_unprivileged, shared_directory

REPO = Path(__file__).resolve().parent.parent
TELEGRAM_TOKEN = "123456789:AAE-stand-in-token-must-never-be-logged"
DISCORD_TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMg.startup.fake-discord-token-value"
TOKENS = {"telegram": ("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN), "discord": ("DISCORD_BOT_TOKEN", DISCORD_TOKEN)}
# Variables of the developer's shell that would change what a bot does here.
UNSET = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "CORPUS_DIR", "HEALTH_PORT", "ON_CONFIG_ERROR", "LOG_FORMAT",
         "TELEGRAM_API_BASE_URL", "DISCORD_API_BASE_URL")


def environment(**extra: str) -> dict[str, str]:
    """The test's environment (its own caches, from the autouse fixture) with `extra` over it."""
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env.update(PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1", FEEDBACK="off", **extra)
    return env


def run_command(*args: str, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` to its end (the timeout is a safety net for a bot that hangs)."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=environment(**extra),
                          capture_output=True, text=True, timeout=SHUTDOWN_GRACE_SECONDS)


def assert_one_line_error(result: subprocess.CompletedProcess, *named: str) -> str:
    """The command stopped with status 2 and one `error: ...` line naming each of `named`."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for name in named:
        assert name in lines[0], lines[0]
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def listening_socket(host: str = "0.0.0.0"):
    """A port something listens on (the kernel queues connections; nothing ever answers)."""
    with socket.socket() as listener:
        listener.bind((host, 0))
        listener.listen(8)
        yield listener.getsockname()[1]


# 1. An articles directory the user may not read.

UNREADABLE_COMMANDS = {
    "ask": (["ask", "What is Sora 2?"], {}),
    "telegram": (["telegram"], {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN}),
    "discord": (["discord"], {"DISCORD_BOT_TOKEN": DISCORD_TOKEN}),
}


@pytest.mark.parametrize("command", UNREADABLE_COMMANDS)
def test_an_articles_directory_the_user_may_not_read_is_named_in_one_line(command):
    args, tokens = UNREADABLE_COMMANDS[command]
    with shared_directory() as place:
        articles = place / "articles"
        articles.mkdir()
        (articles / "a.md").write_text("Sora 2 is a video model.\n", encoding="utf-8")
        articles.chmod(0)
        for directory in ("cache", "data", "home"):
            (place / directory).mkdir(mode=0o777)
            (place / directory).chmod(0o777)
        env = environment(CORPUS_DIR=str(articles), HEALTH_PORT="0", HOME=str(place / "home"),
                          XDG_CACHE_HOME=str(place / "cache"), XDG_DATA_HOME=str(place / "data"), **tokens)
        result = run_unprivileged([sys.executable, "-m", "bot", *args], cwd=place, env=env, capture_output=True,
                                  text=True, timeout=SHUTDOWN_GRACE_SECONDS)
    line = assert_one_line_error(result, str(articles))
    assert "Permission denied" in line, f"run {how_unprivileged()}: {line}"


# 2. A health port that is already taken; the defaults of the two bots.

@pytest.mark.parametrize("platform", TOKENS)
def test_a_taken_health_port_is_named_before_the_bot_connects(platform):
    variable, token = TOKENS[platform]
    with listening_socket() as taken:
        result = run_command(platform, **{variable: token}, HEALTH_PORT=str(taken), LOG_LEVEL="DEBUG",
                             TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot",
                             DISCORD_API_BASE_URL=f"http://127.0.0.1:{closed_port()}/api/v10")
    line = assert_one_line_error(result, f"HEALTH_PORT={taken}", "in use")
    assert token not in line


async def test_the_health_server_names_a_port_taken_after_the_check():
    from bot.runtime.health import HealthPortError, Readiness, start_health_server

    with listening_socket() as taken:
        with pytest.raises(HealthPortError, match=f"HEALTH_PORT={taken}: cannot listen on 0.0.0.0:{taken}"):
            await start_health_server(Readiness(), taken)


def test_the_two_bots_default_to_different_health_ports(monkeypatch):
    monkeypatch.delenv("HEALTH_PORT", raising=False)
    settings = load_settings()
    assert health_port_for(settings, "telegram") != health_port_for(settings, "discord")
    monkeypatch.setenv("HEALTH_PORT", "9000")
    assert {health_port_for(load_settings(), platform) for platform in TOKENS} == {9000}


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def healthz(port: int) -> int | None:
    """The status GET /healthz answers on 127.0.0.1:`port` (None: nothing answers)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_until(condition, what: str, within: float = SHUTDOWN_GRACE_SECONDS) -> None:
    """Poll `condition` until it holds; `within` is a safety net for a hang, not a measure."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        time.sleep(0.1)


@contextmanager
def started(args: list[str], env: dict[str, str]):
    """A process running for the block, stopped (SIGINT, then killed) whatever happens."""
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(SHUTDOWN_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stderr.close()


def test_both_bots_start_side_by_side_with_the_default_health_ports(cache_dir, engine):
    defaults = {platform: health_port_for(load_settings(), platform) for platform in TOKENS}
    if not all(port_is_free(port) for port in defaults.values()):
        pytest.skip(f"a default health port ({defaults}) is taken on this host by another program")
    telegram_api, discord_api = closed_port(), closed_port()
    with ExitStack() as stack:
        for name, port in (("telegram_server", telegram_api), ("discord_server", discord_api)):
            stack.enter_context(started([sys.executable, "-m", f"tests.standins.{name}", "--port", str(port)],
                                        environment()))
        bots = {
            platform: stack.enter_context(started([sys.executable, "-m", "bot", platform], environment(
                INDEX_CACHE_DIR=str(cache_dir), TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, DISCORD_BOT_TOKEN=DISCORD_TOKEN,
                TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{telegram_api}/bot",
                TELEGRAM_API_FILE_URL=f"http://127.0.0.1:{telegram_api}/file/bot",
                DISCORD_API_BASE_URL=f"http://127.0.0.1:{discord_api}/api/v10")))
            for platform in TOKENS
        }
        for platform, process in bots.items():
            wait_until(lambda: healthz(defaults[platform]) == 200 or process.poll() is not None,
                       f"the {platform} bot reporting healthy on :{defaults[platform]}")
            assert process.poll() is None, process.stderr.read()
        assert all(process.poll() is None for process in bots.values())


# 3. A .env that is not UTF-8.

@pytest.mark.parametrize("command", ["config", "telegram", "discord"])
def test_a_dotenv_that_is_not_utf8_is_named_in_one_line(tmp_path, command):
    (tmp_path / ".env").write_bytes("# Réglages\nTOP_K=4\n".encode("latin-1"))
    line = assert_one_line_error(run_command(command, cwd=tmp_path), ".env", "UTF-8", "line 1")
    assert "0xe9" in line


def test_a_dotenv_the_user_may_not_read_is_named_in_one_line():
    with shared_directory() as place:
        (place / ".env").write_text("TOP_K=4\n", encoding="utf-8")
        (place / ".env").chmod(0)
        result = run_unprivileged([sys.executable, "-m", "bot", "config"], cwd=place,
                                  env=environment(HOME=str(place)), capture_output=True, text=True,
                                  timeout=SHUTDOWN_GRACE_SECONDS)
    assert_one_line_error(result, "cannot read the settings file .env", "Permission denied")


# 4. A token pasted with a line break.

@pytest.mark.parametrize("platform", TOKENS)
def test_a_token_with_a_line_break_is_named_and_not_shown(platform):
    variable, token = TOKENS[platform]
    broken = token[:20] + "\n" + token[20:]
    with listening_socket("127.0.0.1") as api:  # something to connect to, so the headers are sent
        result = run_command(platform, **{variable: broken}, HEALTH_PORT="0",
                             TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{api}/bot",
                             DISCORD_API_BASE_URL=f"http://127.0.0.1:{api}/api/v10")
    line = assert_one_line_error(result, variable, "line break")
    assert token[:20] not in line and token[20:] not in line


def test_a_token_with_a_line_break_at_its_end_is_trimmed(monkeypatch):
    monkeypatch.setenv("DISCORD_BOT_TOKEN", DISCORD_TOKEN + "\r\n")
    assert load_settings().discord_bot_token.get_secret_value() == DISCORD_TOKEN
    monkeypatch.setenv("DISCORD_BOT_TOKEN", DISCORD_TOKEN.replace(".", ". "))
    with pytest.raises(SettingsError, match="DISCORD_BOT_TOKEN: has a line break, space"):
        load_settings()


# 7. A configuration error under a restart policy: said once, then a wait for the stop signal.

def read_stderr_until(process: subprocess.Popen, marker: str, within: float = SHUTDOWN_GRACE_SECONDS) -> str:
    """What the process writes to standard error, up to the line holding `marker`."""
    seen = ""
    deadline = time.monotonic() + within
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while marker not in seen:
            if time.monotonic() > deadline or not selector.select(max(0.0, deadline - time.monotonic())):
                raise AssertionError(f"no {marker!r} within {within} s; so far: {seen!r}")
            chunk = os.read(process.stderr.fileno(), 65536)  # unbuffered: select() sees all that is left
            if not chunk:
                raise AssertionError(f"the process ended (status {process.wait()}) before {marker!r}: {seen!r}")
            seen += chunk.decode()
    return seen


@pytest.mark.parametrize("platform", TOKENS)
def test_with_on_config_error_wait_a_bot_says_it_once_and_waits_for_the_stop_signal(platform):
    env = environment(ON_CONFIG_ERROR="wait", HEALTH_PORT="0")
    with started([sys.executable, "-m", "bot", platform], env) as process:
        said = read_stderr_until(process, "waiting:")
        assert process.poll() is None  # it waits instead of exiting into a restart loop
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(SHUTDOWN_GRACE_SECONDS) == 2
    variable = TOKENS[platform][0]
    assert said.splitlines()[0].startswith(f"error: {variable} is not set")
    assert (said + rest).count(f"{variable} is not set") == 1 and "Traceback" not in said + rest


class RefusingBotApi(http.server.BaseHTTPRequestHandler):
    """A Bot API that refuses every token, as Telegram answers a revoked one."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *_) -> None:
        pass


def test_a_token_telegram_refuses_is_a_configuration_error_that_waits():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RefusingBotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = environment(ON_CONFIG_ERROR="wait", HEALTH_PORT="0", TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
                      TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{server.server_port}/bot", LOG_LEVEL="ERROR")
    try:
        with started([sys.executable, "-m", "bot", "telegram"], env) as process:
            said = read_stderr_until(process, "waiting:")
            assert process.poll() is None
            process.send_signal(signal.SIGTERM)
            assert process.wait(SHUTDOWN_GRACE_SECONDS) == 2
    finally:
        server.shutdown()
        server.server_close()
    assert "error: Telegram at http://127.0.0.1" in said and "refused TELEGRAM_BOT_TOKEN" in said
    assert TELEGRAM_TOKEN not in said


def test_an_unknown_on_config_error_is_named():
    result = run_command("telegram", ON_CONFIG_ERROR="later")
    assert result.returncode == 2
    assert "error: ON_CONFIG_ERROR='later': expected exit or wait" in result.stderr
