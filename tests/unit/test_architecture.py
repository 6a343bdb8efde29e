"""The package's shape, as docs/architecture.md draws it: what import-linter's layers cannot say."""

from __future__ import annotations

import types
from pathlib import Path

import grimp
import pytest

import livemod.classify
import livemod.client
import livemod.ingest
import livemod.review
import livemod.vocab
import livemod.worker


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("livemod")


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_package_reaches_into_another_packages_private_modules(graph: grimp.ImportGraph) -> None:
    private = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if not imported.startswith("livemod.") or _package(importer) == _package(imported):
                continue
            inner = imported.split(".")[2:]
            if any(part.startswith("_") for part in inner):
                private.append(f"{importer} -> {imported}")
    assert private == [], "import the package's public names instead:\n" + "\n".join(private)


def test_no_module_imports_its_own_package_in_a_cycle(graph: grimp.ImportGraph) -> None:
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if _package(imported) != _package(module) or imported == module:
                continue
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    assert cycles == []


@pytest.mark.parametrize(
    "package", [livemod.classify, livemod.client, livemod.ingest, livemod.review, livemod.worker]
)
def test_every_exported_name_exists(package: types.ModuleType) -> None:
    for name in getattr(package, "__all__", ()):
        assert hasattr(package, name), f"{package.__name__}.__all__ names {name}, which it does not define"


# How a copy of a closed set starts: its first two members, as they were copied before.
_COPIES = ('"false_advertising", "unclear_pricing"', '"pending", "confirmed"', '"worker", "operator"')


def test_closed_sets_have_no_second_definition() -> None:
    src = Path(livemod.vocab.__file__).parent
    copies = []
    for path in src.rglob("*.py"):
        if path.name == "vocab.py":
            continue
        text = path.read_text(encoding="utf-8")
        for literal in (
            '"false_advertising", "unclear_pricing"',
            '"pending", "confirmed"',
            '"worker", "operator"',
        ):
            if literal in text:
                copies.append(f"{path.relative_to(src)}: {literal}")
    assert copies == [], "use livemod.vocab instead of a copy:\n" + "\n".join(copies)
