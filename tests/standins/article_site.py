"""A stand-in web site for tests, on 127.0.0.1: it serves the pages a test puts in `pages`, and
can hold an answer back until the test ends (a server that never answers).

    with ArticleSite() as site:
        site.pages["/a"] = Page(200, "text/html; charset=utf-8", b"<html>...")
        site.pages["/slow"] = HANG
        fetch(site.url("/a"))
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Page:
    """One answer: its status, Content-Type ("" sends none) and body."""

    status: int
    content_type: str
    body: bytes


HANG = Page(0, "", b"")  # answer nothing until the site stops


class ArticleSite:
    """A threaded HTTP server on a free port of 127.0.0.1; a path not in `pages` is a 404.
    Stopping it (leaving the `with`) releases any answer held back, so it always stops."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers)))
                page = site.pages.get(self.path)
                if page is HANG:
                    site._release.wait()
                    return
                if page is None:
                    page = Page(404, "text/html", b"<html><body><h1>Not Found</h1></body></html>")
                self.send_response(page.status)
                if page.content_type:
                    self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, format: str, *args) -> None:  # quiet: tests read their own output
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll: stopping waits for the loop's next look at its flag (0.5 s by default).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> "ArticleSite":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
