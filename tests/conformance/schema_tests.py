"""The official Arazzo 1.1 schema test documents, judged by this Arazzo 1.0 engine.

``pass/`` holds documents the 1.1 schema accepts, ``fail/`` documents it
rejects.  The engine implements 1.0.x, so it refuses every ``arazzo: 1.1.x``
document by its version alone; the rows say how it fares anyway, labelled as
such, until 1.1 lands.  A ``pass/`` document passes when the load accepts it;
a ``fail/`` document passes when the load rejects it for a rule other than
``arazzo-version`` (a refusal for the version alone says nothing about the
defect the document was written to show).  Each document is loaded in the same
time-limited worker as the real-world corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conformance.outcome import Outcome
from tests.conformance.realworld import Document, Worker

CORPUS = "schema-tests (1.1, 1.0 engine)"
ORIGIN = "OAI/Arazzo-Specification"


VERSION_RULE = "arazzo-version"


def judge(expected: str, answer: Mapping[str, Any] | None) -> str:
    """Empty when the verdict is the folder's, else what the engine did."""
    if answer is None:
        return "no answer within the time limit"
    status = answer.get("status")
    rules = [str(r) for r in answer.get("rules") or []]
    if status == "crash":
        return f"crash: {answer.get('error')}"
    if status == "accepted":
        return "" if expected == "pass" else "accepted"
    if expected == "fail" and set(rules) - {VERSION_RULE}:
        return ""
    if expected == "fail":
        return "rejected for its version only"
    return "rejected by " + ", ".join(rules)


def run(folder: Path, *, timeout: float = 10.0) -> list[Outcome]:
    """One outcome per document of ``folder/pass`` and ``folder/fail``."""
    outcomes: list[Outcome] = []
    worker = Worker()
    try:
        for expected in ("pass", "fail"):
            for path in sorted((folder / expected).glob("*.y*ml")):
                answer = worker.load(Document(path, ORIGIN, {}), timeout)
                if answer is None:
                    worker.close()
                    worker = Worker()
                reason = judge(expected, answer)
                outcomes.append(
                    Outcome(
                        CORPUS,
                        f"{ORIGIN} {expected}/",
                        f"{expected}/{path.name}",
                        not reason,
                        reason,
                    )
                )
    finally:
        worker.close()
    return outcomes
