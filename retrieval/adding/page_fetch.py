"""Fetching one web page (or PDF) over HTTP(S), with a time limit, a size cap and one clear reason
when it cannot be had."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

# How long to wait for the server: to connect, between two parts of the answer, and for the whole.
FETCH_TIMEOUT_SECONDS = 20.0
# The largest answer read; beyond it the page is refused (a big PDF report is a few MB).
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
USER_AGENT = "sora-quotes/0.1 (adds an article to a collection; python -m bot add)"
_CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """The page cannot be had; the message says why in one line."""


@dataclass(frozen=True)
class FetchedPage:
    """What the server sent: the address it came from at last (after redirects), its media type
    ("text/html", "application/pdf", "" when not said), its charset (None when not said) and body."""

    url: str
    media_type: str
    charset: str | None
    content: bytes


def fetch_page(
    url: str, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = MAX_DOWNLOAD_BYTES
) -> FetchedPage:
    """GET `url` (http or https), following redirects; FetchError when the server cannot be
    reached, answers with an error status, takes longer than `timeout` seconds, or sends more
    than `max_bytes` bytes."""
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(f"not an http(s) address: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html, application/pdf;q=0.9, */*;q=0.1"})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FetchError(_too_large(max_bytes))
            content = _read_capped(response, max_bytes, deadline, timeout)
            return FetchedPage(
                url=response.geturl(),
                media_type=response.headers.get_content_type() if response.headers.get("Content-Type") else "",
                charset=response.headers.get_content_charset(),
                content=content,
            )
    except urllib.error.HTTPError as error:
        raise FetchError(f"the server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FetchError(_unreachable(error.reason, timeout)) from None
    except (TimeoutError, socket.timeout):
        raise FetchError(_no_answer(timeout)) from None
    except OSError as error:  # connection reset, TLS failure, ...
        raise FetchError(_unreachable(error, timeout)) from None
    except http.client.HTTPException as error:  # a broken answer, or an address it cannot use
        raise FetchError(f"bad answer from the server ({type(error).__name__}: {error})") from None


def _read_capped(response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    """The body, read in parts: refused past `max_bytes`, or past `deadline` (a server that
    sends a trickle never times a single read out)."""
    parts: list[bytes] = []
    size = 0
    while True:
        part = response.read(_CHUNK_BYTES)
        if not part:
            return b"".join(parts)
        size += len(part)
        if size > max_bytes:
            raise FetchError(_too_large(max_bytes))
        if time.monotonic() > deadline:
            raise FetchError(_no_answer(timeout))
        parts.append(part)


def _too_large(max_bytes: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if max_bytes >= size:
            return f"too large: more than {max_bytes / size:.3g} {unit}"
    return f"too large: more than {max_bytes} bytes"


def _no_answer(timeout: float) -> str:
    return f"timed out: no whole answer within {timeout:g} s"


def _unreachable(reason: object, timeout: float) -> str:
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return _no_answer(timeout)
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "unknown host (the name does not resolve)"
    if isinstance(reason, ssl.SSLError):
        return f"secure connection failed ({getattr(reason, 'reason', None) or reason})"
    return f"cannot connect ({getattr(reason, 'strerror', None) or reason})"
