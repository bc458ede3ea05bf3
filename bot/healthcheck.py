"""Container health check: `python -m bot.healthcheck` exits 0 only when GET /healthz says ready.

The image's HEALTHCHECK and docker-compose.yml run it inside the container (slim images have no
curl). It asks the health server on 127.0.0.1:$HEALTH_PORT; a HEALTH_PORT of 0 means the
endpoint is off, and then there is nothing to check.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3


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


def main() -> int:
    port = os.environ.get("HEALTH_PORT", "8080").strip() or "8080"
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
