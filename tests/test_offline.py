"""Second visits: the service worker keeps the site, so it starts and runs with the network
gone, and a new build replaces it whole on the next visit."""

from __future__ import annotations

import gzip
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Site
from expected import EXAMPLES, numbers_match
from playwright.sync_api import Page, expect
from ui import Playground

import build

pytestmark = pytest.mark.allow_service_worker


def wait_until_kept(page: Page) -> None:
    """Until the service worker has cached the whole build (it activates only after) and
    controls the page."""
    page.wait_for_function(
        """async () => {
          const registration = await navigator.serviceWorker.ready;
          return registration.active.state === "activated" && !!navigator.serviceWorker.controller;
        }"""
    )


def test_after_one_visit_the_page_loads_and_runs_offline(page: Page, site: Site) -> None:
    Playground(page).open(site.url, query="example=gather-return-exceptions")
    wait_until_kept(page)
    page.context.set_offline(True)
    page.reload()
    playground = Playground(page)
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=60_000)
    assert playground.run() == "finished"
    expected = EXAMPLES["gather-return-exceptions"].stdout
    assert numbers_match(expected, playground.output.inner_text(), rel=0.1, abs_=0.15) is None


@pytest.fixture
def own_site(tmp_path: Path) -> Iterator[tuple[Site, Path]]:
    """A copy of the built site this test may change, as a new build would."""
    root = tmp_path / "site"
    shutil.copytree(build.DIST, root)
    server = build.make_server(0, quiet=True, directory=root)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Site(f"http://localhost:{server.server_port}/"), root
    server.shutdown()
    server.server_close()


def rebuild(root: Path, change: dict[str, tuple[str, str]], append: dict[str, str]) -> None:
    """Changes files (old text -> new text, the old text there to change) and appends to
    others, and gives the site a new version, as build.py would: new build.json and sw.js,
    fresh .gz of what changed."""
    old_version = json.loads((root / "build.json").read_text())["version"]
    versions = {"build.json": (old_version, "new-build"), "sw.js": (old_version, "new-build")}
    for name, (old, new) in {**change, **versions}.items():
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old and old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    for name, more in append.items():
        path = root / name
        path.write_text(path.read_text(encoding="utf-8") + more, encoding="utf-8")
    for name in {*change, *versions, *append}:
        path = root / name
        packed = path.with_name(path.name + ".gz")
        if packed.exists():
            packed.write_bytes(gzip.compress(path.read_bytes()))


def test_a_new_build_is_picked_up_on_the_next_visit(
    page: Page, own_site: tuple[Site, Path]
) -> None:
    site, root = own_site
    Playground(page).open(site.url)
    wait_until_kept(page)
    title = build.read_example(build.EXAMPLES[0])["title"]
    rebuild(
        root,
        {"examples.json": (title, "A title from the new build")},
        # New JavaScript: the page marks itself, so a stale main.js would show.
        {"main.js": '\ndocument.documentElement.dataset.build="new";'},
    )
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-build", "new", timeout=60_000)
    expect(page.get_by_label("Example").locator("option").first).to_have_text(
        "A title from the new build"
    )
    # And the new service worker now holds the new build, for the visit after.
    page.wait_for_function("async () => (await caches.keys()).includes('playground-new-build')")
