"""The memory snapshot (web/runner/make-snapshot.mjs): Python restored from it behaves exactly as
a fresh start does. A first visit restores it where it arrives soon after the files a fresh start
needs, and never waits for it; a second visit restores it from the browser's cache; a snapshot
that does not restore costs a normal start, never the page. `PLAYGROUND_START=snapshot` (every
page restores from the cache) and `PLAYGROUND_START=fresh` (none restores) run every other
browser test one way."""

from __future__ import annotations

import gzip
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PageErrors, Site
from expected import EXAMPLES, numbers_match
from playwright.sync_api import Page, Route, expect
from test_offline import wait_until_kept
from ui import TITLES, Playground, keep_snapshot

import build

SNAPSHOT = build.DIST / build.SNAPSHOT


def restored(page: Page, url: str, query: str = "") -> Playground:
    """The playground on a second visit, its worker restored from the snapshot."""
    assert keep_snapshot(page, url)
    playground = Playground(page).open(url, query=query)
    expect(page.locator("body")).to_have_attribute("data-snapshot", "restored")
    return playground


def test_the_build_makes_the_same_snapshot_from_the_same_inputs(tmp_path: Path) -> None:
    again = tmp_path / "snapshot.bin"
    pyodide = build.NODE_MODULES / "pyodide"
    subprocess.run(
        ["node", build.SNAPSHOT_SCRIPT, pyodide, build.DIST / "playground.zip", again],
        check=True,
        timeout=120,
    )
    assert again.read_bytes() == SNAPSHOT.read_bytes()


def test_a_first_visit_restores_python_when_the_snapshot_arrives_soon(
    page: Page, site: Site
) -> None:
    """On a fast line the snapshot, fetched once the other files are in, is restored in the
    place of the fresh start (2 to 6 s of Python's start-up against 0.5 to 0.8 s; before,
    only a second visit used it)."""
    Playground(page).open(site.url)
    expect(page.locator("body")).to_have_attribute("data-snapshot", "restored")
    playground = Playground(page)
    playground.type_code("import sys\nprint(sys.version_info[:2])\n")
    assert playground.run() == "finished"
    expect(playground.output).to_have_text("(3, 14)\n")


def hold_snapshot(page: Page) -> list[Route]:
    """Holds every request for the snapshot until the test lets it go: a slow line."""
    held: list[Route] = []
    page.route("**/snapshot.bin", lambda route: held.append(route))
    return held


def test_a_slow_snapshot_never_delays_a_first_visit(page: Page, site: Site) -> None:
    """The page is ready on a fresh start while the snapshot has not come; once it comes,
    the spare restores it, and the next run's Python is a restored one."""
    held = hold_snapshot(page)
    playground = Playground(page).open(site.url)
    expect(page.locator("body")).to_have_attribute("data-snapshot", "no")
    assert len(held) == 1  # asked for, never answered
    held[0].continue_()
    expect(page.locator("body")).to_have_attribute("data-spare", "ready", timeout=60_000)
    playground.type_code("print('fresh')\n")
    assert playground.run() == "finished"
    expect(page.locator("body")).to_have_attribute("data-snapshot", "restored")
    playground.type_code("print('restored')\n")
    assert playground.run() == "finished"
    expect(playground.output).to_have_text("restored\n")


@pytest.mark.allow_service_worker
def test_a_second_visit_restores_python_from_the_snapshot(page: Page, site: Site) -> None:
    Playground(page).open(site.url)
    wait_until_kept(page)
    page.route("**/snapshot.bin", lambda route: route.abort())  # from the cache, or not at all
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-snapshot", "restored", timeout=60_000)
    playground = Playground(page)
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    playground.type_code("print('restored')\n")
    assert playground.run() == "finished"
    expect(playground.output).to_have_text("restored\n")


@pytest.mark.parametrize(
    ("serving", "jspi"),
    [("site", True), ("site", False), ("plain_site", True), ("plain_site", False)],
    ids=["isolated-jspi", "isolated-no-jspi", "plain-jspi", "plain-no-jspi"],
)
def test_a_restored_interpreter_runs_the_lesson_as_a_fresh_one(
    page: Page, serving: str, jspi: bool, request: pytest.FixtureRequest
) -> None:
    # Made without JSPI (by Node), restored with and without it, isolated or not.
    site: Site = request.getfixturevalue(serving)
    playground = restored(page, site.url, "" if jspi else "jspi=off")
    expect(page.locator("body")).to_have_attribute("data-jspi", "on" if jspi else "off")
    for slug in ("gather-weather", "taskgroup-cancellation"):
        playground.pick(TITLES[slug])
        assert playground.run() == "finished", playground.output.inner_text()
        printed = playground.output.inner_text()
        problem = numbers_match(EXAMPLES[slug].stdout, printed, rel=0.1, abs_=0.15)
        assert problem is None, f"{problem}\n--- printed:\n{printed}"
    # A loop run inside a function waits by stack switching where the browser has it; the
    # snapshot's memory had Node's choices (no JSPI), and this raised "WebAssembly stack
    # switching not supported" in Chromium on every restored worker (worker.js tellTheEngine).
    playground.type_code(INSIDE_A_FUNCTION)
    state = playground.run()
    printed = playground.output.inner_text()
    if jspi:
        assert (state, printed) == ("finished", "main ran\n"), printed
    else:
        assert state == "failed" and "that this browser lacks" in printed, printed


INSIDE_A_FUNCTION = """\
import asyncio

async def main():
    print("main ran")

def run():
    asyncio.run(main())

run()
"""


FRESH_PROCESS = """\
import os, random, sys
print(sys.path[:2], os.environ["LANG"], random.random())
"""


def test_a_restored_interpreter_is_set_up_as_a_fresh_one(page: Page, site: Site) -> None:
    """What restoring redoes or freezes is put right: sys.path, the environment, and random
    numbers that differ on every visit."""
    seen = []
    for start in ("fresh", "restored", "restored"):
        playground = (
            Playground(page).open(site.url, query="snapshot=off")
            if start == "fresh"
            else restored(page, site.url)
        )
        playground.type_code(FRESH_PROCESS)
        assert playground.run() == "finished", playground.output.inner_text()
        path, lang, number = playground.output.inner_text().rsplit(" ", 2)
        seen.append((path, lang, number))
    assert seen[0][:2] == seen[1][:2] == seen[2][:2] == ("['/playground', '']", "C.UTF-8")
    assert seen[1][2] != seen[2][2]


@pytest.mark.parametrize("program", ["while True:\n    pass\n", "import time\ntime.sleep(1e6)\n"])
def test_stop_interrupts_a_restored_interpreter(page: Page, site: Site, program: str) -> None:
    """The interrupt buffer and the blocking sleep's stop flag are set up after a restore too."""
    playground = restored(page, site.url)
    expect(page.locator("body")).to_have_attribute("data-isolated", "yes")
    # As tests/test_stop.py does: a machine busy loading Python can miss Stop's second step.
    playground.wait_for_spare()
    playground.type_code(f"print('started')\n{program}")
    playground.press_run()
    expect(playground.output).to_contain_text("started")
    playground.stop()
    printed = playground.output.inner_text()
    # KeyboardInterrupt reached the program: Python was not replaced by the spare.
    assert "Python was restarted" not in printed, printed
    state, _ = playground.run_timed("print('again')\n")
    assert state == "finished"


@pytest.fixture
def damaged_site(tmp_path: Path) -> Iterator[Site]:
    """A copy of the built site whose snapshot is damaged past its header."""
    root = tmp_path / "site"
    root.mkdir()
    for path in build.DIST.rglob("*"):
        if path.is_file() and not path.name.startswith(build.SNAPSHOT):
            target = root / path.relative_to(build.DIST)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.hardlink_to(path)
    data = bytearray(SNAPSHOT.read_bytes())
    data[len(data) // 2 :] = bytes(len(data) - len(data) // 2)  # the heap's top half wiped
    (root / build.SNAPSHOT).write_bytes(data)
    # Sent compressed, as the build's is: the browser's HTTP cache keeps only smaller files.
    (root / f"{build.SNAPSHOT}.gz").write_bytes(gzip.compress(data, compresslevel=1))
    server = build.make_server(0, quiet=True, directory=root)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Site(f"http://localhost:{server.server_port}/")
    server.shutdown()
    server.server_close()


def test_a_snapshot_that_does_not_restore_falls_back_to_a_normal_start(
    page: Page, damaged_site: Site, page_errors: PageErrors
) -> None:
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    assert keep_snapshot(page, damaged_site.url)
    playground = Playground(page).open(damaged_site.url, query="example=gather-weather")
    expect(page.locator("body")).to_have_attribute("data-snapshot", "no")
    assert any("snapshot did not restore" in w for w in warnings), warnings
    assert playground.run() == "finished"
    expected = EXAMPLES["gather-weather"].stdout
    assert numbers_match(expected, playground.output.inner_text(), rel=0.1, abs_=0.15) is None
