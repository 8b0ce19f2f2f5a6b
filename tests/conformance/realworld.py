"""The real-world corpus: public Arazzo documents loaded one by one, each with a time limit.

``MANIFEST.tsv`` names every file, its repository and its ``kind``; the rows of
kind ``arazzo`` are the documents.  ``source-overrides.tsv`` maps a document's
remote or misplaced source to a local copy, passed as ``Engine.load(sources=...)``.

Each document is loaded in a worker process (``python -m
tests.conformance.realworld --worker``) that reads one JSON request per line
and answers one JSON line.  The parent waits at most ``timeout`` seconds per
document; past it the worker is killed, the document counts as a timeout and
a fresh worker takes the next one.  A load ends in one of:

* ``accepted``: ``Engine.load`` returned (warnings allowed);
* ``rejected``: it raised an ``ArazzoError``; its error-severity rule ids are kept;
* ``crash``: it raised anything else;
* ``timeout``: no answer within the limit.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import select
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conformance.outcome import RealWorldSummary

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Document:
    path: Path
    origin: str
    sources: dict[str, str]


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if row and not row[0].startswith("#"):
                yield row


def documents(folder: Path) -> list[Document]:
    """The corpus's Arazzo documents with their origin and source overrides."""
    overrides: dict[str, dict[str, str]] = {}
    override_file = folder / "source-overrides.tsv"
    if override_file.exists():
        for document, source, local in _rows(override_file):
            overrides.setdefault(document, {})[source] = str(folder / "docs" / local)
    found: list[Document] = []
    rows = _rows(folder / "MANIFEST.tsv")
    header = next(rows)
    at = {name: i for i, name in enumerate(header)}
    for row in rows:
        if row[at["kind"]] != "arazzo":
            continue
        local = row[at["local_path"]]
        relative = local.removeprefix("docs/")
        found.append(Document(folder / local, row[at["repo"]], overrides.get(relative, {})))
    return found


# ------------------------------------------------------------------ the worker side


def load_one(path: str, sources: Mapping[str, str]) -> dict[str, Any]:
    """Load one document; what happened, as plain JSON data."""
    from arazzo_engine import Engine
    from arazzo_engine.errors import ArazzoError, ArazzoValidationError
    from arazzo_engine.validation.report import diagnostic_for

    started = time.perf_counter()
    try:
        Engine.load(path, sources=dict(sources))
    except ArazzoValidationError as error:
        rules = sorted({d.rule for d in error.errors if d.severity == "error"})
        answer: dict[str, Any] = {"status": "rejected", "rules": rules}
    except ArazzoError as error:
        answer = {"status": "rejected", "rules": [diagnostic_for(error, path).rule]}
    except Exception as error:  # the point of the corpus: any other exception is a crash
        answer = {"status": "crash", "error": f"{type(error).__name__}: {str(error)[:300]}"}
    else:
        answer = {"status": "accepted", "rules": []}
    answer["seconds"] = time.perf_counter() - started
    return answer


def check_alone(path: str) -> dict[str, Any]:
    """Check one document alone (``arazzo validate --no-sources``); its located error rules."""
    from arazzo_engine.validation.alone import findings_without_sources

    started = time.perf_counter()
    try:
        found, _ = findings_without_sources(path)
    except Exception as error:  # any exception is a crash, as in load_one
        answer: dict[str, Any] = {
            "status": "crash",
            "error": f"{type(error).__name__}: {str(error)[:300]}",
        }
    else:
        errors = [d for d in found if d.severity == "error" and d.line > 0]
        rules = sorted({d.rule for d in errors})
        answer = {"status": "rejected" if rules else "accepted", "rules": rules}
    answer["seconds"] = time.perf_counter() - started
    return answer


def worker() -> None:
    """Answer load requests from stdin, one JSON line each, until stdin closes."""
    import arazzo_engine  # noqa: F401  (imported before the first timed load)

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("alone"):
            print(json.dumps(check_alone(request["path"])), flush=True)
        else:
            print(json.dumps(load_one(request["path"], request["sources"])), flush=True)


# ------------------------------------------------------------------ the parent side


class Worker:
    """One worker process; killed and replaced when a document overruns its time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.conformance.realworld", "--worker"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        if self._read(120.0) is None:
            self.close()
            raise RuntimeError("the conformance worker did not start")

    def _read(self, timeout: float) -> dict[str, Any] | None:
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            return None
        line = stdout.readline()
        return json.loads(line) if line else {"status": "crash", "error": "worker exited"}

    def load(
        self, document: Document, timeout: float, *, alone: bool = False
    ) -> dict[str, Any] | None:
        """Load ``document`` (with ``alone``: check it without its sources)."""
        stdin = self.process.stdin
        assert stdin is not None
        request = {"path": str(document.path), "sources": document.sources, "alone": alone}
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        return self._read(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def run(folder: Path, *, timeout: float = 10.0) -> RealWorldSummary:
    """Load every document of the corpus; the counts, rules and times."""
    summary = RealWorldSummary()
    worker_process = Worker()
    try:
        for document in documents(folder):
            name = str(document.path.relative_to(folder / "docs"))
            counts = summary.per_origin.setdefault(document.origin, Counter())
            answer = worker_process.load(document, timeout)
            if answer is None or (
                answer.get("status") == "crash" and "worker exited" in str(answer.get("error"))
            ):
                worker_process.close()
                worker_process = Worker()
            if answer is None:
                summary.timeouts.append(name)
                summary.seconds[name] = timeout
                counts["timeout"] += 1
                continue
            summary.seconds[name] = float(answer.get("seconds", 0.0))
            status = answer["status"]
            counts[status] += 1
            if status == "accepted":
                summary.accepted += 1
            elif status == "rejected":
                summary.rejected += 1
                summary.rules.update(answer["rules"])
            else:
                summary.crashes.append((name, str(answer.get("error"))))
    finally:
        worker_process.close()
    return summary


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        worker()
    else:
        sys.exit("usage: python -m tests.conformance.realworld --worker")
