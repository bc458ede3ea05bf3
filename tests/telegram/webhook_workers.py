"""Several real webhook workers (`python -m bot telegram`, TELEGRAM_MODE=webhook) behind the
shipped nginx configuration (deploy/nginx/telegram-webhook.conf.template), sharing one
PostgreSQL database, fed by the stand-in Bot API as Telegram feeds a webhook: for the tests and
for benchmarks/telegram_webhook_workers.py.

TLS is terminated at the proxy with a throwaway self-signed certificate that the stand-in is
told to trust, so the workers run with an honest https:// TELEGRAM_WEBHOOK_URL on port 8443 (one
of Telegram's), each test on an address of its own in the loopback range. Each worker calls the
stand-in at a port of its own, so that a test can tell which worker did what.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.standins.telegram_server import TelegramStandIn

REPO = Path(__file__).resolve().parents[2]
PROXY_TEMPLATE = REPO / "deploy" / "nginx" / "telegram-webhook.conf.template"
WEBHOOK_PATH = "/telegram"
WEBHOOK_SECRET = "stand-in-webhook-secret_0123456789"
PROXY_PORT = 8443  # one of the ports Telegram delivers to
# Start-up loads the index: slow on a busy machine, so a generous safety net.
START_TIMEOUT = 180
STOP_TIMEOUT = 90


class ProxyUnavailable(RuntimeError):
    """nginx (or openssl, for the certificate) is not installed here."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def free_loopback_address(port: int = PROXY_PORT) -> str:
    """An address in 127.0.0.0/8 where `port` is free (tests in parallel each take their own)."""
    for _ in range(50):
        host = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return host
    raise OSError(f"no loopback address with port {port} free")


def self_signed_certificate(directory: Path, host: str) -> tuple[Path, Path]:
    """A certificate for the IP address `host` and its key, made with openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ProxyUnavailable("openssl is not installed")
    certificate, key = directory / "proxy.crt", directory / "proxy.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    return certificate, key


def render_proxy_config(variables: dict[str, str], template: Path = PROXY_TEMPLATE) -> str:
    """The template with its ${NAME} variables filled in, as the nginx image's envsubst does
    (nginx's own $variables are left alone)."""
    text = template.read_text(encoding="utf-8")
    missing = set(re.findall(r"\$\{([A-Z_]+)\}", text)) - set(variables)
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return re.sub(r"\$\{([A-Z_]+)\}", lambda match: variables[match[1]], text)


def _main_config(directory: Path, http_config: Path) -> str:
    """nginx.conf around the http-level file, everything nginx writes kept in `directory`."""
    paths = "\n".join(f"    {name}_temp_path {directory / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
events {{ worker_connections 512; }}
http {{
{paths}
    include {http_config};
}}
"""


@dataclass
class Proxy:
    """nginx running the shipped configuration; `url` is the public webhook URL."""

    process: asyncio.subprocess.Process
    host: str
    certificate: Path
    directory: Path

    @property
    def url(self) -> str:
        return f"https://{self.host}:{PROXY_PORT}{WEBHOOK_PATH}"

    def trust(self) -> ssl.SSLContext:
        """What the stand-in trusts when it delivers to this proxy: its certificate alone."""
        return ssl.create_default_context(cafile=str(self.certificate))

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


async def start_proxy(directory: Path, worker_ports: list[int]) -> Proxy:
    """nginx in front of workers listening on 127.0.0.1 at `worker_ports`, once it accepts
    connections. ProxyUnavailable when nginx or openssl is not installed."""
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        raise ProxyUnavailable("nginx is not installed (apt-get install nginx)")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o755)  # nginx's worker (nobody, when started by root) keeps its temp files here
    host = free_loopback_address()
    certificate, key = self_signed_certificate(directory, host)
    http_config = directory / "telegram-webhook.conf"
    http_config.write_text(render_proxy_config({
        "WEBHOOK_PROXY_LISTEN": f"{host}:{PROXY_PORT}",
        "WEBHOOK_TLS_CERTIFICATE": str(certificate),
        "WEBHOOK_TLS_CERTIFICATE_KEY": str(key),
        "TELEGRAM_WEBHOOK_WORKERS": " ".join(f"server 127.0.0.1:{port};" for port in worker_ports),
    }))
    main_config = directory / "nginx.conf"
    main_config.write_text(_main_config(directory, http_config))
    process = await asyncio.create_subprocess_exec(
        nginx, "-c", str(main_config), "-p", str(directory), "-e", str(directory / "error.log"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    proxy = Proxy(process, host, certificate, directory)
    try:
        await _until_listening(host, PROXY_PORT, process)
    except BaseException:
        await proxy.stop()
        raise
    return proxy


async def _until_listening(host: str, port: int, process: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        if process.returncode is not None:
            raise RuntimeError(f"nginx exited with {process.returncode} at start")
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"nginx is not listening on {host}:{port}") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


@dataclass
class Worker:
    """One webhook worker process: it listens on `port` and calls the Bot API at `api_port`."""

    name: str
    port: int
    api_port: int
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)

    async def start(self) -> None:
        log = self.log_path.open("ab")
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "telegram", env=self.env, stdout=log, stderr=log,
            )
        finally:
            log.close()

    def kill(self) -> None:
        """SIGKILL: a crash, nothing graceful."""
        if self.process and self.process.returncode is None:
            self.process.kill()

    async def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Stop it (SIGTERM, as `docker stop`); killed when it does not exit in time. Its exit code."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def worker_environment(
    *, token: str, api_base_url: str, webhook_url: str, port: int, database_url: str, cache_dir: Path,
    data_dir: Path, lease_seconds: float, extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of one worker: everything the README's webhook section names."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ, "PYTHONPATH": str(REPO), "XDG_DATA_HOME": str(data_dir),
        "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": api_base_url,
        "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": webhook_url,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1", "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TELEGRAM_STATE_DATABASE_URL": database_url, "TELEGRAM_LEASE_SECONDS": str(lease_seconds),
        "INDEX_CACHE_DIR": str(cache_dir), "HEALTH_PORT": "0", "SEMANTIC": "off", "LOG_LEVEL": "INFO",
        **(extra or {}),
    }


@dataclass
class WebhookDeployment:
    """The stand-in Bot API, the proxy and its workers, all started; `stop()` stops every one
    of them, whatever happens."""

    telegram: TelegramStandIn
    proxy: Proxy
    workers: list[Worker]

    def by_api_port(self, port: int) -> Worker:
        """The worker whose Bot API calls come in on `port`."""
        return next(worker for worker in self.workers if worker.api_port == port)

    def other_than(self, worker: Worker) -> Worker:
        return next(other for other in self.workers if other is not worker)

    async def stop(self) -> None:
        try:
            await asyncio.gather(*(worker.stop() for worker in self.workers))
        finally:
            try:
                await self.proxy.stop()
            finally:
                await self.telegram.stop()

    def logs(self) -> str:
        parts = [f"--- {worker.name} ---\n{worker.log()}" for worker in self.workers]
        return "\n".join(parts + [f"--- nginx ---\n{self.proxy.log()}"])


async def start_deployment(
    directory: Path, *, token: str, database_url: str, cache_dir: Path, workers: int = 2,
    lease_seconds: float = 6.0, extra_env: dict[str, str] | None = None,
) -> WebhookDeployment:
    """The stand-in, nginx, and `workers` webhook workers behind it, each calling the stand-in at
    an address of its own; returns once every worker has set the webhook (until it listens, the
    proxy passes its share to the others). Whatever was started is stopped if start-up fails."""
    ports = [free_port() for _ in range(workers)]
    proxy = await start_proxy(directory / "proxy", ports)
    telegram = TelegramStandIn(webhook_ssl=proxy.trust())
    deployment = WebhookDeployment(telegram, proxy, [])
    try:
        await telegram.start("127.0.0.1", 0)
        for number, port in enumerate(ports):
            api = telegram.base_url if number == 0 else await telegram.listen_also()
            env = worker_environment(
                token=token, api_base_url=api, webhook_url=proxy.url, port=port, database_url=database_url,
                cache_dir=cache_dir, data_dir=directory / f"worker-{number}", lease_seconds=lease_seconds,
                extra=extra_env,
            )
            api_port = int(api.rsplit(":", 1)[1].split("/")[0])
            deployment.workers.append(Worker(f"worker-{number}", port, api_port, env, directory / f"worker-{number}.log"))
        for worker in deployment.workers:
            await worker.start()
        await asyncio.gather(*(until_webhook_set(telegram, worker) for worker in deployment.workers))
    except BaseException:
        await deployment.stop()
        raise
    return deployment


async def until_webhook_set(telegram: TelegramStandIn, worker: Worker, timeout: float = START_TIMEOUT) -> None:
    """Until `worker` has set the webhook; RuntimeError (with its log) if it exits first."""
    waiting = asyncio.ensure_future(telegram.wait_for(
        lambda call: call.method == "setWebhook" and call.status == 200 and call.port == worker.api_port, timeout=timeout,
    ))
    exited = asyncio.ensure_future(worker.process.wait())
    try:
        await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            raise RuntimeError(f"{worker.name} exited with {worker.process.returncode} at start:\n{worker.log()}")
        waiting.result()
    finally:
        for task in (waiting, exited):
            task.cancel()
