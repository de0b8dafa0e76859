"""A course page for the embed tests: a host page on an origin of its own that frames the
playground, keeps every message it hears from it, and sends it commands, as an LMS page
would."""

from __future__ import annotations

import contextlib
import http.server
import os
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page

import build

PROTOCOL = {"protocol": "asyncio-playground", "version": 1}

# `frame` goes into the <iframe> tag (a sandbox attribute, say). A second frame (not the
# playground's parent) can send commands too: they must be ignored.
HOST_PAGE = """<!DOCTYPE html>
<html lang="en"><meta charset="utf-8"><title>A course page</title>
<link rel="icon" href="data:,">
<h1>Lesson 3</h1>
<iframe id="playground" title="asyncio playground" style="width: 100%; border: 0"
        {frame} src="{src}"></iframe>
<script>
  window.heard = [];
  addEventListener("message", (event) => {{
    if (event.source !== document.getElementById("playground").contentWindow) return;
    window.heard.push(event.data);
    if (event.data?.type === "resize") {{
      document.getElementById("playground").style.height = event.data.height + "px";
    }}
  }});
  window.send = (message) => document.getElementById("playground").contentWindow
      .postMessage({{ protocol: "asyncio-playground", version: 1, ...message }}, "*");
</script>
</html>
"""


def host_page(src: str, frame: str = "") -> str:
    return HOST_PAGE.format(src=src, frame=frame)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A plain static server, as most hosts are: no CORS, COOP/COEP or CSP headers."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return build.MIME_TYPES.get(Path(path).suffix) or super().guess_type(path)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(root: Path, isolated: bool | None = None) -> Iterator[str]:
    """Serves `root` on a port of its own: the site's server (`isolated` given) on localhost,
    or a plain one (a host page, a plain static host) on 127.0.0.1, another origin; yields its
    URL."""
    if isolated is None:
        handler = partial(QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        url = f"http://127.0.0.1:{server.server_port}/"
    else:
        server = build.make_server(0, isolated=isolated, quiet=True, directory=root)
        url = f"http://localhost:{server.server_port}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def heard(page: Page, kind: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = page.evaluate("() => window.heard")
    return [m for m in messages if m.get("type") == kind]


def wait_for(page: Page, kind: str, count: int = 1, timeout_ms: float = 60_000) -> dict[str, Any]:
    """The `count`-th message of `kind` the host heard (waiting for it)."""
    page.wait_for_function(
        "([kind, count]) => window.heard.filter((m) => m.type === kind).length >= count",
        arg=[kind, count],
        timeout=timeout_ms,
    )
    return heard(page, kind)[count - 1]


def playground(page: Page) -> Frame:
    handle = page.locator("#playground").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


def run(page: Page, code: str) -> dict[str, Any]:
    """Sends the code and Run; the result the host hears."""
    before = len(heard(page, "result"))
    page.evaluate("(code) => window.send({ type: 'set-code', code })", code)
    page.evaluate("() => window.send({ type: 'run' })")
    return wait_for(page, "result", before + 1)
