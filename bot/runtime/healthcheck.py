"""Container health check: `python -m bot.runtime.healthcheck [telegram|discord]` exits 0 only when
GET /healthz says ready.

The image's HEALTHCHECK and docker-compose.yml run it inside the container (slim images have no
curl). It asks the health server on 127.0.0.1:$HEALTH_PORT (empty: the named bot's default
port, the Telegram bot's when none is named); a HEALTH_PORT of 0 means the endpoint is off, and
then there is nothing to check.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3
# HEALTH_PORT when it is empty: one port per bot, so both run side by side on one host with the
# defaults (kept here, not in bot.runtime.settings, so that this check starts without pydantic).
DEFAULT_HEALTH_PORTS = {"telegram": 8080, "discord": 8081}


def check(port: int, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    """(ready, what the endpoint said) for the health server on 127.0.0.1:`port`."""
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return True, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:  # 503: up, but not ready yet
        return False, f"{error.code} {error.read().decode(errors='replace')}"
    except OSError as error:
        return False, f"{url} unreachable: {error}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    platform = argv[0] if argv else "telegram"
    if platform not in DEFAULT_HEALTH_PORTS or len(argv) > 1:
        print("usage: python -m bot.runtime.healthcheck [telegram|discord]", file=sys.stderr)
        return 2
    port = os.environ.get("HEALTH_PORT", "").strip() or str(DEFAULT_HEALTH_PORTS[platform])
    if not port.isdigit():
        print(f"HEALTH_PORT={port!r} is not a port number", file=sys.stderr)
        return 1
    if int(port) == 0:
        print("HEALTH_PORT is 0: the health endpoint is off, nothing to check")
        return 0
    ready, said = check(int(port))
    print(said)
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
