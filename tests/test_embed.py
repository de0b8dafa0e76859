"""Embedded in a course page: a host page on another origin (another port), sending no
COOP/COEP, frames the playground with ?embed=1 and drives it only through the host API's
messages, as an LMS page would."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Site
from expected import EXAMPLES, numbers_match
from hosting import PROTOCOL, heard, host_page, playground, run, serving, wait_for
from playwright.sync_api import Page, expect
from test_exercises_page import WRONG_ORDER, delayed, feedback
from ui import Playground

import build

HOSTS_CODE = 'print("set by the host")\n'

# The height the playground reports to its host (web/embed/host-api.js).
CONTENT_HEIGHT = "() => Math.ceil(document.body.getBoundingClientRect().height)"


@pytest.fixture(scope="module")
def host(plain_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The host page's URL, on an origin of its own."""
    root = tmp_path_factory.mktemp("host")
    (root / "index.html").write_text(host_page(f"{plain_site.url}?embed=1"))
    with serving(root) as url:  # 127.0.0.1 where the playground is on localhost
        yield url


@pytest.fixture(scope="module")
def hosted(host: str, browser: Any) -> Iterator[Page]:
    """One host page for the module's tests: each drives its own runs."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(host)
    wait_for(page, "ready")
    yield page
    context.close()


def test_code_the_host_sets_at_ready_runs_though_the_lesson_opens_later(
    host: str, browser: Any
) -> None:
    # Python can be ready before the lesson's examples have loaded (a slow machine or line):
    # the first example, opened then, must not replace the code the host set, nor run in its
    # place (the demo host's set-code and run ran the weather example once, on CI). The
    # host's commands are taken in the order sent: a stop sent after such a run drops it.
    context = browser.new_context(service_workers="block")
    held: list[Any] = []
    context.route("**/examples.json", lambda route: held.append(route))
    forever = "import asyncio\nasyncio.run(asyncio.sleep(3600))\n"
    try:
        page = context.new_page()
        page.goto(host)
        wait_for(page, "ready")
        assert held, "the examples were not asked for before Python was ready"
        for command in ("{type: 'set-code', code}", "{type: 'run'}", "{type: 'stop'}"):
            page.evaluate(f"(code) => window.send({command})", forever)
        for route in held:
            route.continue_()
        # The lesson opens: its picker lists the examples.
        expect(playground(page).locator("#example option").first).to_be_attached()
        page.evaluate("(code) => window.send({ type: 'set-code', code })", HOSTS_CODE)
        page.evaluate("() => window.send({ type: 'run' })")
        # The first run the host hears of is this one: the program that sleeps for an hour
        # never started (had it run, this run would have stopped it, and its result come first).
        result = wait_for(page, "result")
        assert (result["status"], result["stdout"]) == ("finished", "set by the host\n"), result
        assert result["source"]["kind"] == "course", result
    finally:
        context.close()


# Before the tests of the shared host page (`hosted`), which stays open to the module's end
# with workers loading in the background: this test reads its run's 0.5 s to two digits, and
# a run beside another page's Python loading can end late (it failed once in a run of four
# files, the cause not caught; ten runs alone and one more of the four files passed).
def test_the_demo_course_page_drives_the_playground(browser: Any, plain_site: Site) -> None:
    # web/embed/demo-host.html, as `build.py serve` serves it beside the playground: its
    # buttons send the commands, and it shows what it hears.
    demo = build.make_demo_host()
    threading.Thread(target=demo.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{demo.server_port}/?playground={plain_site.url}")
        state = page.locator("#state")
        expect(state).to_have_text("ready", timeout=60_000)
        page.get_by_role("button", name="set-code").click()
        page.get_by_role("button", name="run", exact=True).click()
        expect(page.locator("#result")).to_contain_text("finished in 0.5")
        expect(page.locator("#result")).to_contain_text("hello from the course page")
        # Every message is logged, Canvas's resize among them.
        log = page.get_by_role("list", name="Messages from the playground")
        expect(log).to_contain_text('"type":"ready"')
        expect(log).to_contain_text('"subject":"lti.frameResize"')
        # An option changed in its form reloads the embed with it.
        page.get_by_label("Theme").select_option("dark")
        page.get_by_role("button", name="Load the embed").click()
        expect(page.locator("#address")).to_contain_text("theme=dark")
        frame = playground(page)
        expect(frame.locator("html")).to_have_attribute("data-theme", "dark")
    finally:
        context.close()
        demo.shutdown()
        demo.server_close()


def test_the_host_hears_ready_and_states(hosted: Page) -> None:
    assert heard(hosted, "ready") == [{**PROTOCOL, "type": "ready"}]
    answers = len(heard(hosted, "state"))
    hosted.evaluate("() => window.send({ type: 'get-state' })")
    state = wait_for(hosted, "state", answers + 1)
    assert state == {**PROTOCOL, "type": "state", "state": "ready"}
    # No site header in embed mode, and a way to the full page with the same code.
    frame = playground(hosted)
    # (The page's h1 is there for screen readers, in a pixel.)
    title = frame.get_by_role("heading", name="asyncio playground").bounding_box()
    assert title and title["width"] <= 1 and title["height"] <= 1
    # The panes in their order: the output beside the code, the timeline after both.
    output = frame.get_by_role("region", name="Output").bounding_box()
    timeline = frame.get_by_role("region", name="Timeline").bounding_box()
    assert output and timeline and output["y"] + output["height"] <= timeline["y"]
    expect(frame.get_by_role("link", name="Open in the playground")).to_have_attribute(
        "href", re.compile(r"^http://localhost:\d+/(\?example=[a-z-]+)?#code=")
    )


@pytest.mark.parametrize("slug", list(EXAMPLES))
def test_every_lesson_example_runs_as_on_cpython(hosted: Page, slug: str) -> None:
    # Not cross-origin isolated: no SharedArrayBuffer, and time.sleep still blocks as CPython's.
    source = (build.ROOT / "py/examples" / f"{slug}.py").read_text(encoding="utf-8")
    result = run(hosted, source)
    expected = EXAMPLES[slug]
    assert result["status"] == "finished", result
    # The lesson's sleeps, late by a busy machine's timers: the tolerance the page tests use.
    assert numbers_match(expected.stdout, result["stdout"], rel=0.1, abs_=0.15) is None
    assert abs(result["elapsed"] - expected.seconds) < 0.15 + 0.05 * expected.seconds
    assert result["tasks"] and all(
        t["state"] in ("done", "failed", "cancelled") for t in result["tasks"]
    )


def test_stop_ends_a_runaway_program_within_a_second(hosted: Page) -> None:
    results = len(heard(hosted, "result"))
    states = len(heard(hosted, "state"))
    runaway = "print('spinning')\nwhile True:\n    pass\n"
    hosted.evaluate("(code) => window.send({ type: 'set-code', code })", runaway)
    hosted.evaluate("() => window.send({ type: 'run' })")
    assert wait_for(hosted, "state", states + 1)["state"] == "running"
    # Spinning (the host cannot see output before the result; the test looks into the frame).
    expect(playground(hosted).get_by_role("log", name="Output")).to_have_text("spinning")
    started = time.monotonic()
    hosted.evaluate("() => window.send({ type: 'stop' })")
    result = wait_for(hosted, "result", results + 1)
    # Not cross-origin isolated: no interrupt buffer, so Stop moves to the spare worker.
    assert time.monotonic() - started < 1.0
    assert result["status"] == "stopped"
    assert result["stdout"] == "spinning\n"


def test_the_host_hears_what_was_open_when_each_run_ran(hosted: Page) -> None:
    # The course page's code, over the example the embed opened with; then the learner's edit
    # of it, run from the frame's own Run button. The host reads this as data: no title.
    course_code = "print('from the course page')\n"
    opened = {"kind": "course", "slug": build.EXAMPLES[0]}
    assert run(hosted, course_code)["source"] == {**opened, "edited": False}
    results = len(heard(hosted, "result"))
    frame = Playground(playground(hosted))
    frame.type_code(course_code + "print('and mine')\n")
    frame.press_run()
    result = wait_for(hosted, "result", results + 1)
    assert (result["stdout"], result["source"]) == (
        "from the course page\nand mine\n",
        {**opened, "edited": True},
    )


def test_resize_follows_the_content(hosted: Page) -> None:
    frame = playground(hosted)
    height = frame.evaluate(CONTENT_HEIGHT)
    # The last size the host heard is the content's, and Canvas's own message rides along (they
    # come a frame after the content changes: the last run's end may just have changed it).
    hosted.wait_for_function(
        """(h) => [(m) => m.type === "resize", (m) => m.subject === "lti.frameResize"].every(
          (kind) => window.heard.filter(kind).at(-1)?.height === h)""",
        arg=height,
    )
    # The host sized its frame to each.
    host_frame = hosted.locator("#playground")
    expect(host_frame).to_have_js_property("offsetHeight", height)
    # Nothing in the frame follows the frame's own height, so the two cannot feed back: the
    # content measures the same in a frame 200 px taller or shorter.
    for delta in (200, -200, 0):
        host_frame.evaluate("(f, h) => { f.style.height = `${h}px`; }", height + delta)
        frame.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        assert frame.evaluate(CONTENT_HEIGHT) == height


def test_the_frame_shrinks_when_the_content_does(hosted: Page) -> None:
    # Forty tasks fill the Tasks table; a program with none empties it. The host's frame
    # follows the content down as well as up (a height measured as the document's
    # scrollHeight, never less than the frame's, would only ever grow).
    frame = playground(hosted)
    forty = (
        "import asyncio\n\nasync def main():\n"
        "    await asyncio.gather(*(asyncio.sleep(0.01) for _ in range(40)))\n\n"
        "asyncio.run(main())\n"
    )
    heights = []
    for code in (forty, "print('no tasks')\n"):
        assert run(hosted, code)["status"] == "finished"
        height = frame.evaluate(CONTENT_HEIGHT)
        hosted.wait_for_function(
            "(h) => window.heard.filter((m) => m.type === 'resize').at(-1)?.height === h",
            arg=height,
        )
        expect(hosted.locator("#playground")).to_have_js_property("offsetHeight", height)
        # All of it shows in the frame: nothing overflows what was reported.
        assert frame.evaluate("() => document.documentElement.scrollHeight") == height
        heights.append(height)
    # The table's rows are gone (past a few it scrolls within its pane: 220 px here).
    assert heights[1] < heights[0] - 100, heights


def test_commands_from_another_window_are_ignored(hosted: Page) -> None:
    run(hosted, "print('ran')\n")
    # Another frame of the host's, not the playground's parent, says "run".
    hosted.evaluate(
        """() => {
          const other = document.createElement("iframe");
          document.body.append(other);
          const target = document.getElementById("playground").contentWindow;
          other.contentWindow.Function("target", `target.postMessage(
            { protocol: "asyncio-playground", version: 1, type: "run" }, "*")`)(target);
        }"""
    )
    # Taken in order: had the run been accepted, the answer to get-state would say running.
    answers = len(heard(hosted, "state"))
    hosted.evaluate("() => window.send({ type: 'get-state' })")
    assert wait_for(hosted, "state", answers + 1)["state"] == "finished"
    hosted.evaluate("() => window.send({ type: 'no-such-command' })")
    error = wait_for(hosted, "error")
    assert error["command"] == "no-such-command" and "not a command" in error["message"]


@pytest.mark.parametrize("listed", [True, False], ids=["host-listed", "host-not-listed"])
def test_embed_origins_answer_only_the_hosts_listed(
    browser: Any, tmp_path: Path, listed: bool
) -> None:
    # The site built with --embed-origins (index.html as build.py writes it, into a copy of
    # dist/), and a host page on an origin that is on the list or not.
    site_root, host_root = tmp_path / "site", tmp_path / "host"
    shutil.copytree(build.DIST, site_root)
    host_root.mkdir()
    with serving(site_root, isolated=False) as site_url, serving(host_root) as host_url:
        origins = [host_url.rstrip("/") if listed else "https://lms.example"]
        (site_root / "index.html").write_bytes(build.index_page(origins))
        (host_root / "index.html").write_text(host_page(f"{site_url}?embed=1"))
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(host_url)
            frame = page.frames[1]
            expect(frame.locator("body")).to_have_attribute("data-state", "ready", timeout=60_000)
            page.evaluate("() => window.send({ type: 'get-state' })")
            if listed:
                wait_for(page, "state")
            else:
                # The frame is ready, answers nothing, and takes no command: once the frame has
                # had the host's run (a listener of the test's own, added after the page's,
                # sees it), nothing has started. Only the host's messages: the runner's frame
                # inside talks to the page too (a spare worker loading, say). Every one of
                # them: the get-state above may come in after this listener (once, in a full
                # run, it was the only message a listener of the first one saw).
                frame.evaluate(
                    """() => {
                         window.had = [];
                         addEventListener("message", (event) => {
                           if (event.source !== window.parent) return;
                           window.had.push(event.data.type);
                           if (event.data.type === "run") {
                             window.stateThen = document.body.dataset.state;
                           }
                         });
                       }"""
                )
                page.evaluate("() => window.send({ type: 'run' })")
                frame.wait_for_function("() => window.had.includes('run')")
                assert frame.evaluate("() => window.stateThen") == "ready"
                assert frame.evaluate("() => document.body.dataset.state") == "ready"
                assert page.evaluate("() => window.heard") == []
        finally:
            context.close()


def test_the_host_hears_the_learners_progress_and_verdicts(hosted: Page, plain_site: Site) -> None:
    # Last: it points the frame at an exercise.
    readies = len(heard(hosted, "ready"))
    hosted.locator("#playground").evaluate(
        "(frame, src) => { frame.src = src; }", f"{plain_site.url}?embed=1&exercise=gather"
    )
    wait_for(hosted, "ready", readies + 1)
    playground(hosted).get_by_role("button", name="Show a hint").click()
    progress = wait_for(hosted, "progress")
    assert progress["passed"] == 0 and progress["total"] == 6
    gather = next(e for e in progress["exercises"] if e["slug"] == "gather")
    assert gather == {"slug": "gather", "passed": False, "attempts": 0, "hints": 1}
    # A check the computer delayed is not the learner's failure: the host hears nothing of it.
    frame = Playground(playground(hosted))
    frame.type_code(delayed(WRONG_ORDER))
    assert feedback(frame.page).startswith("Not checked.")
    # A check that marked the code: its verdict as data, read from the run record, and the
    # attempt counted. (Taken in order: the delayed one would have come first.)
    frame.type_code(WRONG_ORDER)
    assert feedback(frame.page).startswith("Not yet.")
    verdict = wait_for(hosted, "verdict")
    assert heard(hosted, "verdict") == [verdict]
    assert (verdict["exercise"], verdict["status"], verdict["passed"], verdict["score"]) == (
        "gather",
        "fail",
        False,
        0,
    )
    assert verdict["messages"][0]["mistake"] == "wrong-order"
    assert len(verdict["messages"][0]["tasks"]) == 5
    progress = wait_for(hosted, "progress", 2)
    gather = next(e for e in progress["exercises"] if e["slug"] == "gather")
    assert gather == {"slug": "gather", "passed": False, "attempts": 1, "hints": 1}
    assert len(heard(hosted, "progress")) == 2
