"""Checking a document alone, its source descriptions unread (``arazzo validate --no-sources``).

For linting where the descriptions are not at hand (CI of a repository holding
only the workflows): everything the document says by itself is checked, and
what needs a source is neither checked nor reported (``NEEDS_SOURCES`` and
``PARTLY_NEEDS_SOURCES`` in :mod:`arazzo_engine.validation.rules` name it).
"""

from __future__ import annotations

import os

from arazzo_engine.errors import ArazzoError, Diagnostic
from arazzo_engine.load.project import ProjectLoader
from arazzo_engine.validation.report import diagnostic_for

__all__ = ["findings_without_sources"]


def findings_without_sources(path: str | os.PathLike[str]) -> tuple[list[Diagnostic], int | None]:
    """Every finding of loading ``path`` without its sources, and its number of workflows.

    The count is None when the document could not be read or built.
    """
    loader = ProjectLoader(servers={}, source_paths={}, allow_remote=False, read_sources=False)
    try:
        project = loader.load(path)
    except ArazzoError as error:
        return [diagnostic_for(error, os.fspath(path))], None
    entry = project.entry
    return list(project.diagnostics), None if entry is None else len(entry.workflows)
