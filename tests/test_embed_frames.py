"""Embedded where course pages put it: a frame sandboxed with allow-scripts only, a frame whose
storage is blocked, several embeds on one site that each keep the learner's drafts, and the
look a course page chooses (theme=), checked by axe-core in light and dark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import LOAD_TIMEOUT_MS, Site
from expected import EXAMPLES, numbers_match
from hosting import host_page, playground, run, serving, wait_for
from playwright.sync_api import Browser, BrowserContext, Frame, expect
from test_persistence import DOC_TEXT
from ui import Playground, axe_violations

import build

SLUG = "gather-weather"
SOURCE = (build.ROOT / "py/examples" / f"{SLUG}.py").read_text(encoding="utf-8")
TITLES = {slug: build.read_example(slug)["title"] for slug in build.EXAMPLES}
MINE = "print('my own version')\n"
# Storage that throws on every touch, as with cookies blocked (and as Safari's and Firefox's
# third-party frames may have it): in every frame of the context, the playground's too.
BLOCK_STORAGE = """Object.defineProperty(window, "localStorage", {
  get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
});"""


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    yield context
    context.close()


def host(root: Path, src: str, frame: str = "") -> None:
    (root / "index.html").write_text(host_page(src, frame))


@pytest.mark.parametrize("where", ["sandboxed", "storage-blocked"])
def test_the_lesson_runs_and_edits_last_while_the_frame_does(
    context: BrowserContext, plain_site: Site, tmp_path: Path, where: str
) -> None:
    # sandbox="allow-scripts" only: an opaque origin, so no storage and no service worker, and
    # the site's own files are cross-origin (its server sends Access-Control-Allow-Origin).
    sandboxed = where == "sandboxed"
    if not sandboxed:
        context.add_init_script(BLOCK_STORAGE)
    frame_attributes = 'sandbox="allow-scripts"' if sandboxed else ""
    host(tmp_path, f"{plain_site.url}?embed=1&example={SLUG}", frame_attributes)
    with serving(tmp_path) as url:
        page = context.new_page()
        page.goto(url)
        wait_for(page, "ready")
        frame = playground(page)
        assert frame.evaluate("() => self.origin") == ("null" if sandboxed else plain_site.url[:-1])
        result = run(page, SOURCE)
        assert result["status"] == "finished", result
        # The tolerances of test_embed's, for the same runs from a frame.
        expected = EXAMPLES[SLUG]
        assert numbers_match(expected.stdout, result["stdout"], rel=0.1, abs_=0.15) is None
        assert abs(result["elapsed"] - expected.seconds) < 0.15 + 0.05 * expected.seconds
        # The learner's edits stay while the frame does, and one line says they go with it.
        picker = frame.get_by_label("Example or exercise")
        picker.select_option(label=TITLES["create-task-basics"])
        Playground(frame).type_code(MINE)
        picker.select_option(label=TITLES[SLUG])
        expect(frame.get_by_role("status", name="About your code")).to_have_text(
            "This browser is not letting the page save (storage is off or full): "
            "your edits last until you leave the page."
        )
        picker.select_option(label=TITLES["create-task-basics"])
        frame.wait_for_function(f"(mine) => {DOC_TEXT} === mine", arg=MINE)


def test_a_sandboxed_frame_says_why_it_cannot_start_where_the_site_allows_no_cors(
    context: BrowserContext, tmp_path: Path
) -> None:
    # A static host that sends no Access-Control-Allow-Origin: the opaque-origin frame may not
    # load the site's modules at all. One sentence says so, instead of "Loading" forever.
    site_root, host_root = tmp_path / "site", tmp_path / "host"
    site_root.symlink_to(build.DIST)
    host_root.mkdir()
    with serving(site_root) as site_url, serving(host_root) as host_url:
        site_url = site_url.replace("127.0.0.1", "localhost")  # another origin than the host's
        host(host_root, f"{site_url}?embed=1", 'sandbox="allow-scripts"')
        page = context.new_page()
        page.goto(host_url)
        frame = playground(page)
        expect(frame.locator("body")).to_have_attribute("data-state", "failed")
        expect(frame.locator("#status")).to_have_text(
            "The playground cannot start in this sandboxed frame: the site that serves it "
            "must send Access-Control-Allow-Origin, or the frame must allow-same-origin."
        )


def test_each_embed_keeps_the_learners_drafts_and_set_code_never_overwrites_them(
    context: BrowserContext, plain_site: Site, tmp_path: Path
) -> None:
    first = f"{plain_site.url}?embed=1&example={SLUG}"
    second = f"{plain_site.url}?embed=1&example={SLUG}&panes=code,output"
    host(tmp_path, first)
    course_code = "print('the course page sent this')\n"
    with serving(tmp_path) as url:
        # The host on the site's own site (another port of localhost): a browser that keeps
        # no storage for third-party frames (this Chromium, by default) keeps it for these.
        page = context.new_page()
        page.goto(url.replace("127.0.0.1", "localhost"))
        wait_for(page, "ready")
        # The learner's draft of the first embed's example.
        Playground(playground(page)).type_code(MINE)

        def show(src: str) -> Frame:
            """Points the host's frame at `src` (a reload when it is the same); once ready."""
            readies = len(page.evaluate("() => window.heard.filter((m) => m.type === 'ready')"))
            page.locator("#playground").evaluate("(frame, src) => { frame.src = src; }", src)
            wait_for(page, "ready", readies + 1)
            return playground(page)

        # Another embed of the same example on the same site: the course page sends its code,
        # and the learner edits it.
        frame = show(second)
        page.evaluate("(code) => window.send({ type: 'set-code', code })", course_code)
        frame.wait_for_function(f"(code) => {DOC_TEXT} === code", arg=course_code)
        edited = course_code + "print('and my line')\n"
        Playground(frame).type_code(edited)
        # Back after a reload, the course page sends its code again, as it does on every
        # load: the learner's edits of it are what shows, and Reset goes back to the page's.
        frame = show(second)
        page.evaluate("(code) => window.send({ type: 'set-code', code })", course_code)
        frame.wait_for_function(f"(code) => {DOC_TEXT} === code", arg=edited)
        expect(frame.locator("#code-state")).to_have_text("edited")
        # The first embed's draft is untouched by the other's code and edits.
        frame = show(first)
        frame.wait_for_function(f"(mine) => {DOC_TEXT} === mine", arg=MINE)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_embed_mode_has_no_accessibility_violations_in_either_theme(
    browser: Browser, plain_site: Site, theme: str
) -> None:
    # theme= wins over the system's setting: the opposite one is emulated. Axe is injected as
    # a script, which the page's policy would refuse: this context alone bypasses it.
    system = "dark" if theme == "light" else "light"
    context = browser.new_context(bypass_csp=True, color_scheme=system)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        # An option the page does not know: its notice is checked too.
        page.goto(f"{plain_site.url}?embed=1&theme={theme}&example={SLUG}&bogus=1")
        expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=60_000)
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator("body")).to_have_attribute("data-state", "finished")
        background = {"light": "rgb(247, 247, 245)", "dark": "rgb(21, 23, 27)"}[theme]
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == background
        # The timeline's canvas is drawn in the theme's colours too: its axis band in the
        # panels' colour (#ffffff light, #1d2026 dark).
        corner = page.evaluate(
            """() => [...document.getElementById("timeline").getContext("2d")
                 .getImageData(2, 2, 1, 1).data.slice(0, 3)]"""
        )
        assert corner == {"light": [255, 255, 255], "dark": [29, 32, 38]}[theme]
        assert axe_violations(page) == []
    finally:
        context.close()
