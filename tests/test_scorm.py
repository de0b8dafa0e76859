"""The SCORM packages as an LMS runs them. Each zip (build.py scorm, made once from the built
dist/) is unpacked and served by a plain static server under a deep path, with no COOP/COEP,
no policy and no CORS headers, and .wasm and .mjs sent as application/octet-stream; a host page
on the same origin, as an LMS serves its SCOs, installs a real SCORM runtime (scorm-again, npm)
as window.API (1.2) or window.API_1484_11 (2004) and launches the package in a frame. What the
page reports is read back from that runtime."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import pytest
import xmlschema
from conftest import LOAD_TIMEOUT_MS, PageErrors
from engines import Learner
from nodejs import run_module
from playwright.sync_api import Browser, ConsoleMessage, Frame, Page, expect
from test_exercises_page import feedback, solution
from test_persistence import DOC_TEXT
from ui import TITLES, Playground

import build

VERSIONS = [version.name for version in build.SCORM_VERSIONS]
# Where Moodle serves a package's files from: every URL the page uses must be relative to it.
PACKAGE_PATH = "lms/pluginfile.php/{n}/mod_scorm/content/1/"
LIMITS = {"scorm12": 4096, "scorm2004": 64000}
# Each version's names for what the tests read.
ELEMENTS = {
    "scorm12": {
        "status": "cmi.core.lesson_status",
        "raw": "cmi.core.score.raw",
        "min": "cmi.core.score.min",
        "max": "cmi.core.score.max",
        "exit": "cmi.core.exit",
        "time": "cmi.core.session_time",
        "set": "LMSSetValue",
        "commit": "LMSCommit",
        "terminate": "LMSFinish",
    },
    "scorm2004": {
        "status": "cmi.completion_status",
        "raw": "cmi.score.raw",
        "min": "cmi.score.min",
        "max": "cmi.score.max",
        "exit": "cmi.exit",
        "time": "cmi.session_time",
        "set": "SetValue",
        "commit": "Commit",
        "terminate": "Terminate",
    },
}
EXERCISE_COUNT = len(list((build.EXERCISES).glob("*/exercise.md")))

# The LMS's page. launch(version, saved, src, popup) makes a new runtime holding `saved` (what
# the LMS kept of an earlier session, as the runtime's JSON) and frames the package in it, as
# Moodle's player does, or opens it in a window of its own (`popup`, Moodle's "new window").
# Every call the package makes is kept with its answer in window.calls.
HOST_PAGE = """<!DOCTYPE html>
<html lang="en"><meta charset="utf-8"><title>A course in an LMS</title>
<link rel="icon" href="data:,">
<script src="scorm-again/scorm12.min.js"></script>
<script src="scorm-again/scorm2004.min.js"></script>
<body>
<h1>Week 3: asyncio</h1>
<script>
  const METHODS = {
    scorm12: ["LMSInitialize", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSFinish"],
    scorm2004: ["Initialize", "GetValue", "SetValue", "Commit", "Terminate"],
  };
  window.launch = (version, saved, src, popup = false) => {
    const api = version === "scorm12" ? new Scorm12API({}) : new Scorm2004API({});
    if (saved) api.loadFromJSON(saved);
    window.calls = [];
    for (const name of METHODS[version]) {
      const method = api[name].bind(api);
      api[name] = (...args) => {
        const answer = method(...args);
        window.calls.push([name, ...args, answer]);
        return answer;
      };
    }
    window.api = window[version === "scorm12" ? "API" : "API_1484_11"] = api;
    if (popup) return void window.open(src, "lesson");
    const frame = document.createElement("iframe");
    frame.title = "Lesson";
    frame.style = "width: 100%; height: 1000px; border: 0";
    frame.src = src;
    document.body.append(frame);
  };
  // An element of the runtime's data, as the LMS would store it.
  window.read = (element) =>
    element.split(".").slice(1).reduce((at, key) => at[key], window.api.cmi);
</script>
</html>
"""
# A course page with no runtime at all, framing the package from another origin: the search
# for the runtime meets a parent that throws on every look. (Both pages name an icon: else
# Chromium asks for /favicon.ico, and its 404 is a console error.)
ALONE_PAGE = """<!DOCTYPE html>
<html lang="en"><meta charset="utf-8"><title>No LMS here</title>
<link rel="icon" href="data:,">
<iframe title="Lesson" style="width: 100%; height: 1000px; border: 0" src="{src}"></iframe>
</html>
"""


class LmsHandler(http.server.SimpleHTTPRequestHandler):
    """A plain static server, as an LMS serves a package's files: no isolation, policy or CORS
    headers, and the types of a short list, anything else (.wasm and .mjs included) as
    application/octet-stream."""

    TYPES: ClassVar[dict[str, str]] = {
        ".html": "text/html",
        ".js": "text/javascript",
        ".json": "application/json",
        ".css": "text/css",
        ".svg": "image/svg+xml",
    }

    def guess_type(self, path: str | Any) -> str:
        return self.TYPES.get(Path(path).suffix, "application/octet-stream")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def packages() -> dict[str, Path]:
    """The zips, made from dist/ as the test command built it (not rebuilt here: other tests
    may be using dist/)."""
    made = build.scorm_packages()
    return {version: path for version in VERSIONS for path in made if path.stem.endswith(version)}


@pytest.fixture(scope="session")
def lms(packages: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The LMS's origin: each package unpacked under a deep path of its own, the host pages,
    and scorm-again's runtimes. Returns the origin's URL."""
    root = tmp_path_factory.mktemp("lms")
    for n, version in enumerate(VERSIONS, start=12):
        with zipfile.ZipFile(packages[version]) as archive:
            archive.extractall(root / PACKAGE_PATH.format(n=n))
    runtimes = root / "lms/scorm-again"
    runtimes.mkdir()
    for name in ("scorm12.min.js", "scorm2004.min.js"):
        shutil.copy(build.NODE_MODULES / "scorm-again/dist" / name, runtimes / name)
    (root / "lms/host.html").write_text(HOST_PAGE)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(LmsHandler, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    (root / "lms/alone.html").write_text(ALONE_PAGE.format(src=origin + launch_url("scorm12")))
    yield origin + "/"
    server.shutdown()
    server.server_close()


def launch_url(version: str) -> str:
    """The package's launch page: its path on the LMS's origin."""
    path = PACKAGE_PATH.format(n=12 + VERSIONS.index(version))
    return f"/{path}index.html"


def lesson(host: Page) -> Frame:
    handle = host.locator("iframe").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


def read(host: Page, element: str) -> str:
    value: str = host.evaluate("(element) => String(window.read(element))", element)
    return value


def calls(host: Page) -> list[list[str]]:
    made: list[list[str]] = host.evaluate("() => window.calls")
    return made


def last_set(host: Page, version: str, element: str) -> str | None:
    """The last value the package set `element` to (write-only ones included)."""
    method = ELEMENTS[version]["set"]
    values = [c[2] for c in calls(host) if c[0] == method and c[1] == element]
    return values[-1] if values else None


@contextmanager
def course_page(browser: Browser, url: str) -> Iterator[Page]:
    """A course page at `url` in a context of its own, with service workers allowed (so that
    none registered means the package registered none). Any console error or warning of the
    page or its frames fails the test: a warning is how the package says the LMS refused it."""
    context = browser.new_context(service_workers="allow")
    host = context.new_page()
    host.set_default_timeout(LOAD_TIMEOUT_MS)
    errors, warnings = PageErrors(), []
    errors.watch(host)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "warning":
            warnings.append(message.text)

    host.on("console", on_console)
    try:
        host.goto(url)
        yield host
    finally:
        context.close()
    assert not errors.unexpected(), errors.unexpected()
    assert not warnings, warnings


def launched(host: Page, version: str, saved: dict[str, Any] | None) -> Playground:
    """Launches the package in a new runtime (holding `saved`) and waits until Python is
    ready and the package has initialised the runtime."""
    host.evaluate(
        "([v, saved, src]) => window.launch(v, saved, src)", [version, saved, launch_url(version)]
    )
    frame = lesson(host)
    expect(frame.locator("body")).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
    host.wait_for_function("() => window.api.isInitialized()")
    return Playground(frame)


@pytest.mark.parametrize("version", VERSIONS)
def test_an_attempt_is_reported_completed_scored_and_resumed(
    browser: Browser, lms: str, version: str
) -> None:
    names = ELEMENTS[version]
    *earlier, last = list(TITLES)
    # The attempt resumes one in which all lesson examples but two had run: one more runs
    # through the UI, then the last is stopped and run. The rule is the package's, whatever the
    # example (each run costs seconds: the package ships no snapshot, so the first workers start
    # Python afresh); a first launch of each version is tested below.
    first = earlier[:1]
    seeded = {"v": 1, "ran": earlier[1:], "ex": {}}
    entry = {"core": {"entry": "resume"}} if version == "scorm12" else {"entry": "resume"}
    resumed = {"suspend_data": json.dumps(seeded), **entry}
    with course_page(browser, lms + "lms/host.html") as host:
        playground = launched(host, version, resumed)
        frame = playground.page

        # Initialised, the attempt marked incomplete, the score 0 of N, exit=suspend, committed.
        assert read(host, names["status"]) == "incomplete"
        assert (read(host, names["raw"]), read(host, names["min"]), read(host, names["max"])) == (
            "0",
            "0",
            "100",
        )
        if version == "scorm2004":
            assert read(host, "cmi.score.scaled") == "0"
            assert read(host, "cmi.success_status") == "unknown"
        assert last_set(host, version, names["exit"]) == "suspend"
        assert calls(host)[-1][0] == names["commit"]
        assert frame.evaluate("() => navigator.serviceWorker.getRegistrations()") == []

        # The lesson's examples run through the UI; the last one stopped first, which does not
        # count.
        for slug in first:
            playground.pick(TITLES[slug])
            assert playground.run() == "finished"
        assert read(host, names["status"]) == "incomplete"
        playground.pick(TITLES[last])
        playground.press_run()
        playground.stop()
        assert read(host, names["status"]) == "incomplete"
        assert playground.run() == "finished"
        assert read(host, names["status"]) == "completed"

        # An exercise passed: the score is one of N.
        frame.get_by_label("Example or exercise").select_option("exercise:create-task")
        playground.type_code(solution("create-task"))
        assert feedback(frame).startswith("Passed.")
        host.wait_for_function("(element) => window.read(element) !== '0'", arg=names["raw"])
        assert read(host, names["raw"]) == str(round(100 / EXERCISE_COUNT))
        if version == "scorm2004":
            assert float(read(host, "cmi.score.scaled")) == pytest.approx(
                1 / EXERCISE_COUNT, abs=1e-4
            )
        saved = read(host, "cmi.suspend_data")
        assert 0 < len(saved) <= LIMITS[version]
        progress = json.loads(saved)
        assert sorted(progress["ran"]) == sorted(TITLES)
        assert progress["ex"]["create-task"]["p"] == 1
        # Everything set was taken, and committed.
        sets = [c for c in calls(host) if c[0] == names["set"]]
        assert sets and all(c[-1] == "true" for c in sets), sets
        assert calls(host)[-1][0] == names["commit"]
        # Nothing of the learner's progress on the LMS's origin, which every learner shares.
        assert frame.evaluate("() => localStorage.getItem('asyncio-playground-progress')") is None

        # Left (the LMS moves its frame on): terminated once, with the session's time.
        host.locator("iframe").evaluate("(frame) => { frame.src = 'about:blank'; }")
        host.wait_for_function("() => window.api.isTerminated()")
        finished = [c for c in calls(host) if c[0] == names["terminate"]]
        assert finished == [[names["terminate"], "", "true"]]
        assert last_set(host, version, names["time"])
        assert last_set(host, version, names["exit"]) == "suspend"

        # Launched again with what the LMS kept: the exercise still passed, the lesson completed.
        kept: dict[str, Any] = {"suspend_data": saved}
        if version == "scorm12":
            kept["core"] = {"lesson_status": "completed", "entry": "resume"}
        else:
            kept |= {"completion_status": "completed", "entry": "resume"}
        host.locator("iframe").evaluate("(frame) => frame.remove()")
        playground = launched(host, version, kept)
        expect(
            playground.page.locator("#example option[value='exercise:create-task']")
        ).to_have_text("✓ Start three jobs at once with create_task()")
        assert read(host, names["status"]) == "completed"
        assert read(host, names["raw"]) == str(round(100 / EXERCISE_COUNT))
        assert json.loads(read(host, "cmi.suspend_data")) == progress


def test_an_edited_example_counts_and_an_exercise_of_the_same_name_does_not(
    browser: Browser, lms: str
) -> None:
    # gather-return-exceptions is both a lesson example and an exercise. What counts towards
    # completion is the example, run while it was open, edited or not (the run's source).
    slug = "gather-return-exceptions"
    with course_page(browser, lms + "lms/host.html") as host:
        playground = launched(host, "scorm12", None)
        frame = playground.page
        frame.get_by_label("Example or exercise").select_option(f"exercise:{slug}")
        # Its starter fails, as the lesson means it to; a failed run of an example counts.
        assert playground.run() == "failed"
        playground.pick(TITLES[slug])
        playground.type_code("print('my own take on it')\n")
        assert playground.run() == "finished"
        # The LMS hears of a run as it ends, before the page says it has.
        assert json.loads(read(host, "cmi.suspend_data"))["ran"] == [slug]


@pytest.mark.parametrize("version", VERSIONS)
def test_each_learner_at_a_shared_computer_opens_only_their_own_drafts(
    browser: Browser, lms: str, version: str
) -> None:
    # One browser, the LMS's origin, two learners in turn: the drafts are kept per learner as
    # the LMS names them (cmi.core.student_id, cmi.learner_id).
    def learner(who: str) -> dict[str, Any]:
        return {"core": {"student_id": who}} if version == "scorm12" else {"learner_id": who}

    mine = "print('alice was here')\n"
    with course_page(browser, lms + "lms/host.html") as host:
        playground = launched(host, version, learner("alice"))
        # A first launch: the attempt marked incomplete, the score 0.
        names = ELEMENTS[version]
        assert (read(host, names["status"]), read(host, names["raw"])) == ("incomplete", "0")
        playground.type_code(mine)
        playground.page.wait_for_function(  # saved (the JSON has the newline escaped)
            "(mine) => Object.values(localStorage).some((v) => v.includes(mine))", arg=mine.strip()
        )
        lesson_code = build.read_example(build.EXAMPLES[0])["code"]
        for who, shown in (("bob", lesson_code), ("alice", mine)):
            host.locator("iframe").evaluate("(frame) => frame.remove()")
            frame = launched(host, version, learner(who)).page
            frame.wait_for_function(f"(code) => {DOC_TEXT} === code", arg=shown)


def test_without_an_lms_the_package_is_the_plain_playground(browser: Browser, lms: str) -> None:
    # localhost: another origin than the package's 127.0.0.1.
    with course_page(browser, lms.replace("127.0.0.1", "localhost") + "lms/alone.html") as host:
        playground = Playground(lesson(host))
        expect(playground.page.locator("body")).to_have_attribute(
            "data-state", "ready", timeout=LOAD_TIMEOUT_MS
        )
        assert playground.run() == "finished"
        expect(playground.output).to_have_text("Results: User-1, User-2, User-3")
        expect(playground.page.locator("#notice")).to_be_hidden()
        # The package ships no memory snapshot: the page makes one in the browser before its
        # first spare, which restores from it. The first run, at once, found no spare, so the
        # second runs in a worker started afresh; the third in that spare.
        body = playground.page.locator("body")
        expect(body).to_have_attribute("data-snapshot", "no")
        expect(body).to_have_attribute("data-spare", "ready", timeout=LOAD_TIMEOUT_MS)
        assert playground.run() == "finished"
        expect(body).to_have_attribute("data-snapshot", "restored")
        assert playground.run() == "finished"
        expect(playground.output).to_have_text("Results: User-1, User-2, User-3")


@pytest.mark.parametrize("name", ["firefox", "webkit"])
def test_the_package_makes_its_memory_snapshot_in_every_engine(
    engine_named, lms: str, name: str
) -> None:
    # Making the snapshot differs by engine (Pyodide's private API in another WebAssembly
    # engine; WebKit's workers), so it is tested in each; Chromium's is the test above. Learner
    # waits for the spare, which loads once the snapshot is made, so the first run's end hands
    # the next run a worker restored from it.
    code = (
        "import asyncio\n\n"
        "async def main():\n"
        "    print(await asyncio.gather(asyncio.sleep(0.01, 'slow'), asyncio.sleep(0, 'fast')))\n\n"
        "asyncio.run(main())\n"
    )
    tab = engine_named(name).open_tab()
    try:
        learner = Learner(tab, lms.rstrip("/") + launch_url("scorm12")).open()
        assert learner.body("snapshot") == "no"
        assert learner.run(code) == "finished"
        assert learner.body("snapshot") == "restored"
        assert learner.run() == "finished"
        assert learner.output.strip() == "['slow', 'fast']"
    finally:
        tab.close()


def test_a_package_in_a_window_of_its_own_finds_the_lms_through_its_opener(
    browser: Browser, lms: str
) -> None:
    with course_page(browser, lms + "lms/host.html") as host:
        with host.expect_popup() as opened:
            host.evaluate(
                "(src) => window.launch('scorm2004', null, src, true)", launch_url("scorm2004")
            )
        host.wait_for_function("() => window.api.isInitialized()")
        assert read(host, "cmi.completion_status") == "incomplete"
        # Left: the window goes elsewhere.
        opened.value.goto("about:blank")
        host.wait_for_function("() => window.api.isTerminated()")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_package_holds_its_manifest_schemas_and_the_site(
    packages: dict[str, Path], version: str
) -> None:
    with zipfile.ZipFile(packages[version]) as archive:
        names = set(archive.namelist())
        page = archive.read("index.html").decode()
    assert {"imsmanifest.xml", "index.html", "pyodide/pyodide.asm.wasm", "examples.json"} <= names
    assert f'<meta name="lms" content="{version}">' in page
    # Nothing an LMS must not have or will not use: no service worker, no snapshot, no .gz
    # twins, no source maps.
    assert not any(
        name in {"sw.js", "snapshot.bin"} or name.endswith((".gz", ".map")) for name in names
    ), sorted(names)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_manifest_is_valid_against_the_schemas_it_ships(
    packages: dict[str, Path], version: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(packages[version]) as archive:
        archive.extractall(tmp_path)
    manifest = tmp_path / "imsmanifest.xml"
    # SCORM 1.2's ims_xml.xsd (the xml: namespace, for xml:lang) binds the default namespace
    # to the reserved XML namespace, which Python's XML parser rightly refuses; xmlschema's own
    # copy of that namespace's schema stands in for it. Everything else is the package's.
    xml_namespace = (Path(xmlschema.__file__).parent / "schemas/XML/xml.xsd").as_uri()

    def local(url: str) -> str:
        return xml_namespace if url.endswith("/ims_xml.xsd") else url

    # allow="local": files only, never the network.
    options: dict[str, Any] = {"allow": "local", "defuse": "always", "uri_mapper": local}
    xmlschema.validate(str(manifest), **options)
    # ...and the check has teeth: a resource of a type SCORM does not know is refused.
    attribute = "scormtype" if version == "scorm12" else "scormType"
    wrong = manifest.read_text().replace(f'adlcp:{attribute}="sco"', f'adlcp:{attribute}="game"')
    manifest.write_text(wrong)
    assert not xmlschema.is_valid(str(manifest), **options)


def test_suspend_data_stays_within_its_limit_dropping_the_least_important_first() -> None:
    # 300 exercises with long names and every field set: far past 1.2's 4,096 characters.
    out = run_module(
        """
        import { suspendData, readSuspendData } from "./web/embed/lms.js";
        const exercises = {};
        for (let i = 0; i < 300; i++) {
          exercises[`an-exercise-with-a-rather-long-name-${i}`] =
            { passed: i % 10 === 0, attempts: 12, hints: 3, solution: true };
        }
        const ran = ["create-task-basics", "gather-weather"];
        const known = { examples: ran, exercises: Object.keys(exercises) };
        const whole = suspendData({ ran, exercises }, 64000);
        const small = suspendData({ ran, exercises }, 4096);
        const tiny = suspendData({ ran, exercises }, 100);
        console.log(JSON.stringify({
          whole: whole.length, small: small.length, tiny,
          wholeBack: readSuspendData(whole, known), smallBack: readSuspendData(small, known),
        }));
        """
    )
    # The whole fits 2004's 64,000; in 1.2's 4,096 hints, the solution flags and attempts go,
    # and exercises not passed: what stays parses, with every pass and every example run.
    assert out["whole"] <= 64000 and out["small"] <= 4096
    whole, small = out["wholeBack"], out["smallBack"]
    assert whole["exercises"]["an-exercise-with-a-rather-long-name-0"] == {
        "passed": True,
        "attempts": 12,
        "hints": 3,
        "solution": True,
    }
    passed = {slug for slug, e in whole["exercises"].items() if e["passed"]}
    assert set(small["exercises"]) == passed and len(passed) == 30
    assert small["ran"] == ["create-task-basics", "gather-weather"]
    # Where not even that fits, the version alone, never a cut JSON.
    assert json.loads(out["tiny"]) == {"v": 1}
