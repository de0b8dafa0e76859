"""Never losing the learner's code (saving, Reset, Share) and the page's security (the CSP,
text-only output, learner code only in the worker), in headless Chromium through the UI."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import urllib.request
import zlib
from collections.abc import Iterator

import pytest
from conftest import LOAD_TIMEOUT_MS, PageErrors, Site
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from ui import Playground

import build

EXAMPLES = {e["slug"]: e for e in (build.read_example(s) for s in build.EXAMPLES)}
GATHER = EXAMPLES["gather-weather"]
TASKGROUP = EXAMPLES["taskgroup-weather"]
BASICS = EXAMPLES["create-task-basics"]

MINE = 'print("my own version")\n'
DAMAGED = "This share link is damaged; showing the example instead."
ATTACK = '</textarea><img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'

# Records markup the attack would add, even if something removed it again at once.
WATCH_FOR_INJECTED_MARKUP = """
window.__injected = [];
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      for (const el of [node, ...node.querySelectorAll("*")]) {
        const scripted = el.tagName === "SCRIPT" && !el.src;
        const handler = [...el.attributes].some((a) => a.name.startsWith("on"));
        if (scripted || handler || el.getAttribute("src") === "x") {
          window.__injected.push(el.outerHTML);
        }
      }
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def payload(data: bytes) -> str:
    """What the page's Share button puts after #code=: raw deflate, base64url, unpadded."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(data) + deflate.flush()
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


# CodeMirror draws only the lines in view, so the editor's whole text is asked of the editor
# itself, through the link from its DOM node to its view (what EditorView.findFromDOM reads).
DOC_TEXT = "document.querySelector('.cm-content').cmTile.root.view.state.doc.toString()"


def editor_text(page: Page) -> str:
    return page.evaluate(f"() => {DOC_TEXT}")


def expect_code(page: Page, code: str) -> None:
    """The editor shows exactly `code`, waiting for it a while."""
    with contextlib.suppress(PlaywrightTimeoutError):  # the assert below says what differs
        page.wait_for_function(f"code => {DOC_TEXT} === code", arg=code, timeout=5000)
    assert editor_text(page) == code


def skip_python(page: Page) -> None:
    """Saving and sharing need no Python: an empty worker spares the shared CPU its load."""
    empty = {"body": "// no Python in this test\n", "content_type": "text/javascript"}
    page.route("**/worker.js", lambda route: route.fulfill(**empty))


def open_page(page: Page, url: str) -> None:
    """Opens the page and waits for its code to be in the editor (Share turns on then)."""
    page.goto(url)
    expect(page.get_by_role("button", name="Share")).to_be_enabled()


def badge(page: Page) -> Locator:
    return page.locator("#code-state")


def notice(page: Page) -> Locator:
    return page.get_by_role("status", name="About your code")


def type_code(page: Page, code: str) -> None:
    Playground(page).type_code(code)


@pytest.fixture
def other_page(browser: Browser, page_errors: PageErrors) -> Iterator[Page]:
    """A page in a context of its own (no shared storage), as a friend opening a link;
    console and page errors there fail the test as on `page`."""
    context = browser.new_context(service_workers="block")  # as `page` has it
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page_errors.watch(page)
    yield page
    context.close()


# --- saving ---------------------------------------------------------------------------------


def test_edits_survive_a_reload(page: Page, site: Site) -> None:
    skip_python(page)
    open_page(page, site.url + "?example=gather-weather")
    expect(badge(page)).to_be_hidden()
    type_code(page, MINE)
    expect(badge(page)).to_have_text("edited")
    expect(page.get_by_label("Example")).to_have_accessible_description("edited")
    # At once: leaving the page saves what the 300 ms pause would have.
    page.reload()
    expect(page.get_by_role("button", name="Share")).to_be_enabled()
    expect_code(page, MINE)
    expect(badge(page)).to_have_text("edited")
    expect(page.get_by_label("Example")).to_have_value("gather-weather")


def test_edits_are_saved_while_typing_as_a_crash_gives_no_warning(page: Page, site: Site) -> None:
    skip_python(page)
    open_page(page, site.url + "?example=gather-weather")
    type_code(page, MINE)
    page.wait_for_function(
        "text => Object.values(localStorage).some((v) => v.includes(text))", arg="my own version"
    )
    # The first page is still open, so it never saw pagehide: the edit was saved by typing.
    again = page.context.new_page()
    skip_python(again)
    open_page(again, site.url + "?example=gather-weather")
    expect_code(again, MINE)


def test_each_example_keeps_its_own_edits(page: Page, site: Site) -> None:
    skip_python(page)
    playground = Playground(page)
    open_page(page, site.url + "?example=gather-weather")
    type_code(page, "# gather, mine\n")
    playground.pick(TASKGROUP["title"])
    expect_code(page, TASKGROUP["code"])
    expect(badge(page)).to_be_hidden()
    type_code(page, "# taskgroup, mine\n")
    playground.pick(GATHER["title"])
    expect_code(page, "# gather, mine\n")
    expect(badge(page)).to_have_text("edited")
    playground.pick(BASICS["title"])
    expect_code(page, BASICS["code"])
    expect(badge(page)).to_be_hidden()
    playground.pick(TASKGROUP["title"])
    page.reload()
    expect(page.get_by_role("button", name="Share")).to_be_enabled()
    expect_code(page, "# taskgroup, mine\n")
    playground.pick(GATHER["title"])
    expect_code(page, "# gather, mine\n")


def test_typing_the_lesson_code_back_is_not_an_edit(page: Page, site: Site) -> None:
    skip_python(page)
    open_page(page, site.url + "?example=gather-weather")
    type_code(page, MINE)
    expect(badge(page)).to_have_text("edited")
    type_code(page, GATHER["code"])
    expect(badge(page)).to_be_hidden()
    expect(page.get_by_role("button", name="Reset", exact=True)).to_be_disabled()


@pytest.mark.parametrize("failure", ["blocked", "full"])
def test_without_storage_edits_last_while_the_page_is_open(
    page: Page, site: Site, failure: str
) -> None:
    # blocked: a sandboxed iframe or blocked cookies; full: the quota is used up.
    break_storage = {
        "blocked": """Object.defineProperty(window, "localStorage", {
            get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
        });""",
        "full": """Storage.prototype.setItem = function () {
            throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        };""",
    }[failure]
    page.add_init_script(break_storage)
    skip_python(page)
    playground = Playground(page)
    open_page(page, site.url + "?example=gather-weather")
    type_code(page, MINE)
    playground.pick(TASKGROUP["title"])
    expect(notice(page)).to_contain_text("your edits last until you leave the page")
    playground.pick(GATHER["title"])
    expect_code(page, MINE)
    expect(badge(page)).to_have_text("edited")


# --- Reset ----------------------------------------------------------------------------------


def test_reset_asks_first_and_undo_brings_the_edits_back(page: Page, site: Site) -> None:
    skip_python(page)
    open_page(page, site.url + "?example=gather-weather")
    reset = page.get_by_role("button", name="Reset", exact=True)
    expect(reset).to_be_disabled()  # nothing to reset yet
    type_code(page, MINE)
    dialog = page.get_by_role("dialog", name="Reset to the lesson's code?")

    reset.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect_code(page, MINE)

    # By keyboard: Enter on Reset opens the question with its Reset button focused.
    reset.focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="Reset")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect_code(page, MINE)

    reset.click()
    dialog.get_by_role("button", name="Reset").click()
    expect_code(page, GATHER["code"])
    expect(badge(page)).to_be_hidden()
    expect(notice(page)).to_contain_text("Back to the lesson's code.")

    notice(page).get_by_role("button", name="Undo").click()
    expect_code(page, MINE)
    expect(badge(page)).to_have_text("edited")
    expect(notice(page)).to_have_text("Your edits are back.")
    page.reload()
    expect(page.get_by_role("button", name="Share")).to_be_enabled()
    expect_code(page, MINE)


def test_a_reset_is_saved_and_ctrl_z_in_the_editor_undoes_it(page: Page, site: Site) -> None:
    skip_python(page)
    open_page(page, site.url + "?example=gather-weather")
    type_code(page, MINE)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Reset").click()
    expect_code(page, GATHER["code"])
    page.reload()
    expect(page.get_by_role("button", name="Share")).to_be_enabled()
    expect_code(page, GATHER["code"])
    expect(badge(page)).to_be_hidden()

    type_code(page, MINE)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Reset").click()
    expect(page.get_by_label("Python code")).to_be_focused()
    page.keyboard.press("ControlOrMeta+z")
    expect_code(page, MINE)
    expect(badge(page)).to_have_text("edited")


def test_ctrl_z_never_brings_back_another_examples_code(page: Page, site: Site) -> None:
    skip_python(page)
    open_page(page, site.url + "?example=gather-weather")
    Playground(page).pick(TASKGROUP["title"])
    page.get_by_label("Python code").click()
    page.keyboard.press("ControlOrMeta+z")
    page.keyboard.press("ControlOrMeta+z")
    expect_code(page, TASKGROUP["code"])
    expect(badge(page)).to_be_hidden()


# --- Share ----------------------------------------------------------------------------------


def share(page: Page) -> str:
    page.get_by_role("button", name="Share").click()
    link = page.get_by_role("textbox", name="Share link")
    expect(link).to_have_value(re.compile(r"#code="))
    return link.input_value()


def test_a_share_link_opens_the_code_elsewhere_without_running_it(
    page: Page, site: Site, other_page: Page
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    skip_python(page)
    open_page(page, site.url + "?example=gather-weather&jspi=off")
    shared = 'import asyncio\n\nprint("shared with you: é ✓")\n'
    type_code(page, shared)
    link = share(page)
    expect(notice(page)).to_contain_text("Link copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    assert link.startswith(site.url + "?example=gather-weather#code=")  # only what it needs

    friend = other_page
    friend.goto(link)
    body = friend.locator("body")
    expect(body).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
    expect_code(friend, shared)
    expect(badge(friend)).to_have_text("shared")
    expect(notice(friend)).to_contain_text("It runs only when you press Run.")
    expect(friend.get_by_label("Example")).to_have_value("gather-weather")
    # Not run: Python is ready and idle, and nothing was printed.
    expect(body).to_have_attribute("data-state", "ready")
    expect(Playground(friend).output).to_have_text("")

    # The friend's own version of the example is untouched, and the link leaves the URL.
    Playground(friend).pick(TASKGROUP["title"])
    assert "#" not in friend.url
    Playground(friend).pick(GATHER["title"])
    expect_code(friend, GATHER["code"])


def test_without_clipboard_the_link_is_shown_to_copy(page: Page, site: Site) -> None:
    # As in an iframe without clipboard-write, or a browser asking for permission first.
    page.add_init_script(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('NotAllowedError'))"
    )
    skip_python(page)
    open_page(page, site.url)
    link = share(page)
    expect(notice(page)).to_contain_text("Copy this link to share your code")
    field = page.get_by_role("textbox", name="Share link")
    expect(field).to_be_focused()
    expect(field).to_have_js_property("readOnly", True)
    assert field.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)") == link


def test_edits_to_shared_code_survive_a_reload(page: Page, site: Site) -> None:
    skip_python(page)
    link = site.url + "?example=gather-weather#code=" + payload(b"print(1)\n")
    open_page(page, site.url + "?example=gather-weather")
    type_code(page, MINE)  # the learner's own version of the example
    page.goto(link)  # in the same tab: only the fragment changes, the page stays
    expect(page.get_by_role("button", name="Share")).to_be_enabled()
    expect_code(page, "print(1)\n")
    type_code(page, "print(2)\n")
    expect(badge(page)).to_have_text("shared, edited")
    page.reload()
    expect(page.get_by_role("button", name="Share")).to_be_enabled()
    expect_code(page, "print(2)\n")
    Playground(page).pick(TASKGROUP["title"])
    Playground(page).pick(GATHER["title"])
    expect_code(page, MINE)


def test_a_crafted_share_link_only_ever_reaches_the_editor_as_text(page: Page, site: Site) -> None:
    page.add_init_script(WATCH_FOR_INJECTED_MARKUP)
    skip_python(page)
    slug = '"><img src=x onerror="window.__pwned=1">'
    link = f"{site.url}?example={urllib.request.quote(slug)}#code={payload(ATTACK.encode())}"
    open_page(page, link)
    expect_code(page, ATTACK)
    expect(page.get_by_label("Python code")).to_contain_text("<script>window.__pwned=1</script>")
    expect(page.get_by_label("Example")).to_have_value("create-task-basics")  # slug: unknown
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => window.__injected") == []
    assert page.locator('img[src="x"], [onerror], script:not([src])').count() == 0


def test_damaged_share_links_say_so_and_show_the_example(page: Page, site: Site) -> None:
    skip_python(page)
    zip_bomb = payload(bytes(50_000_000))  # 50 MB of zeros: ~50 kB in the link
    truncated = payload(b'print("hello")\n' * 40)[:-12]
    cases = {
        "not base64url": "!!*not-base64*!!",
        "not deflate": "AAAAAAAAAAAA",
        "truncated": truncated,
        "not UTF-8": payload(b"\xff\xfe\xfd"),
        "zip bomb": zip_bomb,
        "too long": "A" * 400_000,
    }
    for name, fragment in cases.items():
        # A new document each time: only the fragment would change otherwise.
        open_page(page, f"{site.url}?example=gather-weather&case={name}#code={fragment}")
        expect(notice(page), name).to_have_text(DAMAGED)
        expect_code(page, GATHER["code"])
        expect(badge(page)).to_be_hidden()


# --- security -------------------------------------------------------------------------------


def csp_header(url: str) -> str | None:
    with urllib.request.urlopen(url) as response:
        return response.headers["Content-Security-Policy"]


def test_the_content_security_policy_is_in_the_page_and_its_headers(page: Page, site: Site) -> None:
    policy, sandbox = build.policies()
    script = build.sandbox_script().encode()
    digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    # The site's scripts, the runner frame's bootstrap by its hash, blob: scripts for the frame
    # (it inherits this policy), no inline script of any other text, no JS eval.
    assert directives["script-src"].split() == [
        "'self'",
        f"'sha256-{digest}'",
        "blob:",
        "'wasm-unsafe-eval'",
    ]
    assert directives["object-src"] == "'none'"
    assert "frame-ancestors" not in directives  # course sites embed the page in iframes
    assert csp_header(site.url) == policy
    # The runner's frame (and the workers it makes, which inherit it) adds a policy of its own:
    # no network at all, no script but its own and blob: ones.
    frame = dict(d.strip().split(" ", 1) for d in sandbox.split(";"))
    assert frame["connect-src"] == "'none'" and frame["default-src"] == "'none'"
    frame_page = (build.DIST / "sandbox.html").read_text()
    assert (
        f'content="{sandbox}"' in frame_page and f"<script>{script.decode()}</script>" in frame_page
    )
    skip_python(page)
    open_page(page, site.url)
    meta = page.locator('meta[http-equiv="Content-Security-Policy"]')
    expect(meta).to_have_attribute("content", policy)


def test_an_injected_inline_script_is_blocked(
    page: Page, site: Site, page_errors: PageErrors
) -> None:
    page_errors.expect(r"violates the following Content Security Policy directive")
    skip_python(page)
    open_page(page, site.url)
    violated = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation",
                (event) => resolve(event.effectiveDirective), { once: true });
            const script = document.createElement("script");
            script.textContent = "window.__pwned = 1";
            document.body.append(script);
        })"""
    )
    assert violated == "script-src-elem"
    assert page.evaluate("() => window.__pwned") is None


def test_learner_code_runs_in_the_worker_and_prints_only_text(page: Page, site: Site) -> None:
    page.add_init_script(WATCH_FOR_INJECTED_MARKUP)
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import js\n"
        "print('<b>bold?</b><img src=x onerror=\"window.__pwned=1\">')\n"
        "print('can reach the page:', hasattr(js, 'document'))\n"
        "raise ValueError('<script>window.__pwned=1</script>')\n"
    )
    assert playground.run() == "failed"
    printed = playground.output.inner_text()
    assert '<b>bold?</b><img src=x onerror="window.__pwned=1">\n' in printed
    assert "can reach the page: False\n" in printed  # the worker has no document
    assert "ValueError: <script>window.__pwned=1</script>" in printed
    expect(playground.output.locator("b, img, script")).to_have_count(0)
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => window.__injected") == []
