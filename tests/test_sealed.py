"""The sealed runner: a learner's program reaches nothing of the site that serves the page.

Each test runs, through the UI, a program that tries one way out as a determined learner (or a
forum post) would: not only through the `js` module, whose names are curated, but through the
worker's real global scope, which a program can get (setTimeout calls a callback with it as
`this`), so what is tested is the boundary itself: the frame's opaque origin and its content
security policy. After each, the page is as it was; after them all, a reload with the service
worker on still starts the playground. One page is shared: every run has a worker of its own,
which is part of what is tested.

It runs in every engine (tests/engines.py), and in Firefox and WebKit cross-origin isolated and
not: the frame's worker starts from a blob: URL, or from a data: URL in WebKit when isolated,
and the seal must hold either way.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import pytest
from engines import SPARE_LOADED, Engine, Learner, Tab
from expected import EXAMPLES, numbers_match

import build

# Every program starts with this: how to get past the `js` module, and how each try reports.
PRELUDE = """\
import asyncio
import js
import pyodide_js
from pyodide.ffi import create_proxy, to_js

SITE = "{site}"

async def worker_scope():
    # setTimeout calls its callback with the global scope as `this` in Chromium and Firefox.
    # WebKit calls it with none, which closes that way: every try then goes through what the
    # program has, the js module.
    box = []
    js.setTimeout.call(None, create_proxy(box.append, capture_this=True), 0)
    while not box:
        await asyncio.sleep(0.01)
    return js if box[0] is None else box[0]

async def attempt(way, action):
    try:
        result = action()
        if hasattr(result, "then") or asyncio.isfuture(result) or asyncio.iscoroutine(result):
            result = await result
    except Exception as error:
        print(f"{{way}}: blocked ({{type(error).__name__}})")
    else:
        print(f"{{way}}: " + ("blocked (nothing there)" if result is None else "ESCAPED"))

async def main():
    scope = await worker_scope()
"""


@dataclass
class Listener:
    """What the test servers heard: requests for /way-out (with their Cookie header) and
    WebSocket connections."""

    requests: list[tuple[str, str | None]] = field(default_factory=list)
    connections: int = 0


@dataclass
class Sealed:
    tab: Tab
    learner: Learner
    site: str
    websocket_port: int
    heard: Listener


# (engine, cross-origin isolated): Chromium's seal is the same either way; Firefox's and
# WebKit's workers start differently when the page is isolated.
SERVINGS = [("chromium", True), ("firefox", True), ("firefox", False), ("webkit", True),
            ("webkit", False)]  # fmt: skip


@pytest.fixture(
    scope="module",
    params=SERVINGS,
    ids=[f"{name}-{'isolated' if isolated else 'plain'}" for name, isolated in SERVINGS],
)
def sealed(
    request: pytest.FixtureRequest, engine_named: Callable[[str], Engine]
) -> Iterator[Sealed]:
    name, isolated = request.param
    heard = Listener()

    class Recording(build.Handler):
        quiet = True

        def do_GET(self) -> None:
            if self.path.startswith("/way-out"):
                heard.requests.append((self.path, self.headers["Cookie"]))
            super().do_GET()

    Recording.isolated = isolated
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(Recording, directory=str(build.DIST))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # A plain TCP listener stands for a WebSocket server: any connection at all is a way out.
    websocket = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while True:
            try:
                connection, _ = websocket.accept()
            except OSError:
                return
            heard.connections += 1
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    site = f"http://localhost:{server.server_port}/"
    tab = engine_named(name).open_tab(service_workers=True)
    learner = Learner(tab, site).open("example=create-task-basics")
    tab.wait(KEPT)
    # The page's own things a program must not reach: a cookie, a draft, a channel.
    tab.js(
        """() => {
          document.cookie = "session=secret; path=/";
          localStorage.setItem("sealed-test", "the learner's draft");
          window.heardOnChannel = [];
          new BroadcastChannel("asyncio-playground").onmessage = (event) => {
            window.heardOnChannel.push(event.data);
          };
        }"""
    )
    yield Sealed(tab, learner, site, websocket.getsockname()[1], heard)
    tab.close()
    server.shutdown()
    server.server_close()
    websocket.close()


# The service worker has kept the whole site and serves the page.
KEPT = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return registration.active.state === "activated" && !!navigator.serviceWorker.controller;
}"""

PAGE_STATE = """async () => ({
  title: document.title,
  frames: window.frames.length,
  storage: Object.fromEntries(Object.entries(localStorage)),
  caches: await Promise.all((await caches.keys()).map(async (name) =>
      [name, (await (await caches.open(name)).keys()).map((request) => request.url).sort()])),
  databases: (await indexedDB.databases()).map((db) => db.name),
  // WebKitGTK 2.50 has no origin-private file system (navigator.storage is undefined).
  files: navigator.storage?.getDirectory ? await (async () => {
    const names = [];
    for await (const name of (await navigator.storage.getDirectory()).keys()) names.push(name);
    return names;
  })() : "none",
  channel: window.heardOnChannel,
})"""


def run_program(sealed: Sealed, body: str) -> str:
    """Runs PRELUDE + `body` (main()'s body, indented) and returns what it printed, having
    checked the run ended as a plain program does and the page is as it was."""
    before = sealed.tab.js(PAGE_STATE)
    program = PRELUDE.format(site=sealed.site) + body + "\nasyncio.run(main())\n"
    state = sealed.learner.run(program)
    printed = sealed.learner.output
    assert state == "finished", printed
    after = sealed.tab.js(PAGE_STATE)
    # localStorage changed only by the page saving this program as the learner's draft.
    for key in set(before["storage"]) | set(after["storage"]):
        if not key.startswith("asyncio-playground:"):
            assert before["storage"].get(key) == after["storage"].get(key), key
    assert {**before, "storage": None} == {**after, "storage": None}
    return printed


def assert_all_blocked(printed: str, ways: int) -> None:
    assert "ESCAPED" not in printed, printed
    assert printed.count(": blocked (") == ways, printed


WAYS_OUT = {
    "cache-storage": (
        """\
    await attempt("js.caches", lambda: js.caches.open("playground-x"))
    await attempt("caches", lambda: scope.caches.open("playground-x"))
""",
        2,
    ),
    "indexeddb": (
        """\
    await attempt("indexedDB", lambda: scope.indexedDB.open("drafts"))
    await attempt("IDBFS", lambda: pyodide_js._module.IDBFS.indexedDB().open("drafts"))
""",
        2,
    ),
    "origin-private-file-system": (
        """\
    await attempt("getDirectory", lambda: scope.navigator.storage.getDirectory())
""",
        1,
    ),
    "xmlhttprequest": (
        """\
    def xhr():
        request = scope.XMLHttpRequest.new()
        request.open("GET", SITE + "way-out?via=xhr", False)
        request.withCredentials = True
        request.send()
        return request.responseText
    await attempt("XMLHttpRequest", xhr)
""",
        1,
    ),
    "module-import": (
        """\
    await attempt("importScripts", lambda: scope.importScripts(SITE + "way-out.js"))
    from pyodide.code import run_js
    await attempt("import()", lambda: run_js(f"import('{SITE}way-out.mjs')"))
    await attempt("new Function", lambda: scope.Function.new("return import('way-out.mjs')")())
""",
        3,
    ),
    "new-worker": (
        """\
    await attempt("Worker", lambda: scope.Worker.new(SITE + "worker.js"))
    blob = scope.Blob.new(to_js(["postMessage(1)"]))
    await attempt("blob Worker", lambda: scope.Worker.new(scope.URL.createObjectURL(blob)))
    await attempt("SharedWorker", lambda: scope.SharedWorker.new(SITE + "worker.js"))
""",
        3,
    ),
    "broadcast-channel": (
        """\
    await attempt("BroadcastChannel",
        lambda: scope.BroadcastChannel.new("asyncio-playground").postMessage("from the program"))
""",
        1,
    ),
    "removed-apis-again": (
        """\
    proto = js.Object.getPrototypeOf(scope)
    await attempt("prototype", lambda: proto.Worker)
    await attempt("descriptor",
        lambda: js.Object.getOwnPropertyDescriptor(scope, "BroadcastChannel"))
    await attempt("constructor", lambda: scope.constructor.Worker)
    from pyodide.code import run_js
    await attempt("run_js", lambda: run_js("self.Worker"))
    await attempt("eval", lambda: scope.eval("self.importScripts"))
""",
        5,
    ),
}


@pytest.mark.parametrize("way", list(WAYS_OUT))
def test_a_program_cannot_get_out_this_way(sealed: Sealed, way: str) -> None:
    body, ways = WAYS_OUT[way]
    assert_all_blocked(run_program(sealed, body), ways)


def test_requests_never_carry_the_sites_cookies(sealed: Sealed) -> None:
    printed = run_program(
        sealed,
        """\
    await attempt("fetch", lambda: scope.fetch(SITE + "way-out?via=fetch",
        to_js({"credentials": "include"}, dict_converter=js.Object.fromEntries)))
    from pyodide.http import pyfetch
    await attempt("pyfetch", lambda: pyfetch(SITE + "way-out?via=pyfetch"))
    # loadPackage reports a package it cannot load to its callback, and does not raise.
    errors = []
    await pyodide_js.loadPackage(SITE + "way-out.whl", errorCallback=create_proxy(errors.append),
                                 messageCallback=create_proxy(lambda message: None))
    print("loadPackage: blocked (its error callback)" if errors else "loadPackage: ESCAPED")
    # The site's own package index stays readable (micropip reads it).
    index = await pyfetch(SITE + "simple/asyncstdlib/")
    print("index:", index.status)
""",
    )
    assert_all_blocked(printed.replace("index: 200\n", ""), 3)
    assert "index: 200" in printed
    assert sealed.heard.requests == []  # nothing reached /way-out, with a cookie or without


def test_a_websocket_reaches_no_server(sealed: Sealed) -> None:
    printed = run_program(
        sealed,
        f"""\
    def connect():
        opened = asyncio.get_running_loop().create_future()
        socket = scope.WebSocket.new("ws://127.0.0.1:{sealed.websocket_port}/")
        socket.onopen = create_proxy(lambda event: opened.set_result("open"))
        socket.onerror = create_proxy(lambda event: opened.set_exception(OSError("refused")))
        return opened
    await attempt("WebSocket", connect)
""",
    )
    assert_all_blocked(printed, 1)
    assert sealed.heard.connections == 0


def test_forged_messages_change_nothing(sealed: Sealed) -> None:
    # The frame listens to no worker, and the page takes messages only from the worker's own
    # port, which no program can reach: a forged end, output or trace, for any run, is lost.
    printed = run_program(
        sealed,
        """\
    # A task of the shape the tracer writes (trace_schema.json's "created"), as the worker
    # hands events over: marshal's bytes of their items end to end.
    import marshal
    from playground.schema import MARSHAL_VERSION
    FORGED = ["created", 0, 99, "FORGED", "forged()", "forged", [], False, None, None]
    FORGED_TRACE = to_js(marshal.dumps(FORGED, MARSHAL_VERSION))
    for run in range(100):
        for message in (
            {"type": "output", "id": run, "stream": "stdout", "text": "FORGED\\n"},
            {"type": "trace", "id": run, "events": FORGED_TRACE},
            {"type": "done", "id": run, "status": "finished", "error": None},
        ):
            # (No postMessage where the program has no way to the global scope: WebKit.)
            if hasattr(scope, "postMessage"):
                scope.postMessage(to_js(message, dict_converter=js.Object.fromEntries))
    js.console.log("forged")
    await asyncio.sleep(0.3)
    print("the real end")
""",
    )
    assert printed == "the real end\n"
    tasks = sealed.tab.js("() => document.getElementById('tasks').innerText")
    assert "FORGED" not in tasks


def test_a_program_changes_no_later_run(sealed: Sealed) -> None:
    run_program(
        sealed,
        """\
    import builtins, time
    asyncio.sleep = lambda *args: print("patched sleep")
    builtins.print = lambda *args, **kwargs: None
    time.sleep = lambda seconds: None
    scope.onmessage = None
    scope.postMessage = None
    js.console.log("patched")
""",
    )
    # The next program, a lesson example, prints and times as under CPython, run once the spare
    # has loaded, as a learner reading it meets it (see test_engines: WebKit ran 0.16 s late
    # on this 1.5 s example beside a spare loading, 7 December).
    sealed.learner.pick("gather-weather")
    sealed.tab.wait(SPARE_LOADED)
    assert sealed.learner.run() == "finished"
    expected = EXAMPLES["gather-weather"]
    printed = sealed.learner.output
    # The status line's time (10 ms steps) and sleeps a busy machine may end late.
    assert numbers_match(expected.stdout, printed, rel=0.1, abs_=0.15) is None, printed
    assert abs(sealed.learner.seconds_taken() - expected.seconds) < 0.15


def test_after_them_all_the_start_page_is_the_playground(sealed: Sealed) -> None:
    # Opened again, through the service worker that kept the site.
    sealed.learner.open()
    assert sealed.tab.js("() => document.title") == "asyncio playground"
    assert sealed.tab.js("() => localStorage.getItem('sealed-test')") == "the learner's draft"
