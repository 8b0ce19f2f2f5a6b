"""The import rules of docs/architecture.md, checked against the code.

Every module of the package belongs to a unit (a top-level module, a
subpackage, or one of the foundation modules of ``load/``); each unit may
import only the units its row below lists.  Imports under ``TYPE_CHECKING``
count too: a type-only dependency is still a dependency of the design.  A new
subpackage must get a row here, and so a paragraph in docs/architecture.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "arazzo_engine"

FOUNDATION = ("load/local_files", "load/pointers", "load/reader", "load/refs")
"""The modules of load/ that every layer reads documents with."""

ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_compat": set(),
    "fixes": set(),
    "limits": set(),
    "redaction": set(),
    "registry": set(),
    "model": set(),
    "load/local_files": set(),
    "load/pointers": set(),
    "load/reader": {"load/local_files", "load/pointers"},
    "load/refs": {"load/pointers", "load/reader"},
    "expressions": {"load/pointers"},
    "patterns": set(),
    "criteria": {"expressions", "load/pointers", "model", "patterns", "registry"},
    "http": set(),
    "messaging": {"http"},
    "sources": {
        "criteria",
        "expressions",
        "http",
        "messaging",
        "model",
        "patterns",
        "redaction",
        "registry",
        "results",
        "sources/openapi",
        *FOUNDATION,
    },
    "sources/openapi": {
        "expressions",
        "http",
        "model",
        "patterns",
        "redaction",
        "sources",
        *FOUNDATION,
    },
    "validation": {
        "criteria",
        "expressions",
        "load",
        "model",
        "sources",
        "sources/openapi",
        *FOUNDATION,
    },
    "load": {
        "criteria",
        "expressions",
        "http",
        "model",
        "patterns",
        "sources",
        "validation",
        *FOUNDATION,
    },
    "results": {"http"},
    "events": {"expressions", "http", "results"},
    "run": {
        "criteria",
        "events",
        "expressions",
        "http",
        "load",
        "model",
        "redaction",
        "results",
        "sources",
    },
    "engine": {
        "batch",
        "events",
        "http",
        "load",
        "model",
        "redaction",
        "results",
        "run",
        "sources",
        "sources/openapi",
    },
    "batch": {"engine", "results"},
    "reports": {"events", "expressions", "results"},
    "cases": {"load/reader", "reports", "results"},
    "cli": {
        "batch",  # --dask: batch.dask.dask_executor
        "engine",
        "events",
        "load/local_files",
        "redaction",
        "reports",
        "results",
        "sources/openapi",
        "validation",
    },
    "pytest_plugin": {"cases", "engine", "redaction", "reports", "results"},
    "__init__": {"engine", "http", "results"},
    "__main__": {"cli"},
}
"""Which units each unit may import (every unit may import errors, fixes, _compat and limits)."""

HTTP_LIBRARIES = ("requests", "urllib3")


def unit_of(module: str) -> str:
    """``arazzo_engine.sources.openapi.call`` -> ``sources/openapi``."""
    parts = module.split(".")[1:]
    if not parts:
        return "__init__"
    head = parts[0]
    if not (PACKAGE / head).is_dir():
        return head
    if head == "sources" and len(parts) > 1 and parts[1] == "openapi":
        return "sources/openapi"
    if head == "load" and len(parts) > 1 and f"load/{parts[1]}" in FOUNDATION:
        return f"load/{parts[1]}"
    return head


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    name = ".".join(relative.parts)
    return name.removesuffix(".__init__")


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (absolute names) with the line it does so on."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.level:  # the package uses absolute imports only
                yield "relative:" + node.module, node.lineno
            elif node.module == "arazzo_engine":
                for alias in node.names:
                    yield f"arazzo_engine.{alias.name}", node.lineno
            else:
                yield node.module, node.lineno


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_declared_unit() -> None:
    units = {unit_of(module_name(path)) for path in package_files()}
    assert units <= set(ALLOWED), f"add a row (and a docs paragraph) for {units - set(ALLOWED)}"
    assert len(package_files()) > 60


@pytest.mark.parametrize("unit", sorted(ALLOWED))
def test_a_unit_imports_only_what_its_row_allows(unit: str) -> None:
    allowed = ALLOWED[unit] | {unit, "errors", "fixes", "_compat", "limits"}
    broken = []
    for path in package_files():
        if unit_of(module_name(path)) != unit:
            continue
        for imported, line in imports(path):
            assert not imported.startswith("relative:"), f"{path}:{line}: relative import"
            if imported.split(".")[0] != "arazzo_engine":
                continue
            target = unit_of(imported)
            if target not in allowed:
                broken.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported}")
    assert not broken, "\n".join(broken)


def test_only_the_http_subpackage_imports_an_http_library() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in package_files()
        if unit_of(module_name(path)) != "http"
        for name, line in imports(path)
        if name.split(".")[0] in HTTP_LIBRARIES
    ]
    assert not found, "\n".join(found)


def test_the_step_loop_sees_only_the_call_seam_of_sources() -> None:
    """run/ performs calls without knowing their kind: sources.call is all it may import."""
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in package_files()
        if unit_of(module_name(path)) == "run"
        for name, line in imports(path)
        if name.startswith("arazzo_engine.sources") and name != "arazzo_engine.sources.call"
    ]
    assert not found, "\n".join(found)


def test_the_rules_catch_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself: a module of http/ importing run/ is reported."""
    rogue = tmp_path / "rogue.py"
    rogue.write_text("from arazzo_engine.run.steps import StepRunner\nimport requests\n")
    found = list(imports(rogue))
    assert ("arazzo_engine.run.steps", 1) in found and ("requests", 2) in found
    assert unit_of("arazzo_engine.run.steps") not in ALLOWED["http"]
