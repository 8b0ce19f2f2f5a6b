"""The official Arazzo 1.1 schema test documents, each checked alone (``--no-sources``).

``pass/`` holds documents the 1.1 schema accepts, ``fail/`` documents it
rejects.  The schema sees a document alone, so the engine does too: each
document is checked without its source descriptions (which the tests do not
ship), in the same time-limited worker as the real-world corpus.

* A ``pass/`` document passes when no *structural* error is reported: one of
  the model builder's rules (the schema's counterpart).  Semantic findings (an
  unknown step, a payload that does not parse) are beyond what the schema
  checks and do not count.
* A ``fail/`` document passes when at least one located error is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arazzo_engine.validation.rules import RULES
from tests.conformance.outcome import Outcome
from tests.conformance.realworld import Document, Worker

CORPUS = "schema-tests (1.1)"
ORIGIN = "OAI/Arazzo-Specification"

STRUCTURAL = frozenset(
    rule.id for rule in RULES.values() if rule.module in ("model_builder", "document")
)
"""What the schema would catch: the document and model-builder rules."""


def judge(expected: str, answer: Mapping[str, Any] | None) -> str:
    """Empty when the verdict is the folder's, else what the engine did."""
    if answer is None:
        return "no answer within the time limit"
    if answer.get("status") == "crash":
        return f"crash: {answer.get('error')}"
    rules = {str(r) for r in answer.get("rules") or []}
    if expected == "pass":
        structural = sorted(rules & STRUCTURAL)
        return "rejected by " + ", ".join(structural) if structural else ""
    return "" if rules else "accepted"


def run(folder: Path, *, timeout: float = 10.0) -> list[Outcome]:
    """One outcome per document of ``folder/pass`` and ``folder/fail``."""
    outcomes: list[Outcome] = []
    worker = Worker()
    try:
        for expected in ("pass", "fail"):
            for path in sorted((folder / expected).glob("*.y*ml")):
                answer = worker.load(Document(path, ORIGIN, {}), timeout, alone=True)
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
