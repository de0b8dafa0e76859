"""The SCORM packages (build.py scorm, made once from the built dist/): what each zip holds,
and its manifest valid against the schemas it ships."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
import xmlschema

import build

VERSIONS = [version.name for version in build.SCORM_VERSIONS]


@pytest.fixture(scope="session")
def packages() -> dict[str, Path]:
    """The zips, made from dist/ as the test command built it (not rebuilt here: other tests
    may be using dist/)."""
    made = build.scorm_packages()
    return {version: path for version in VERSIONS for path in made if path.stem.endswith(version)}


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
