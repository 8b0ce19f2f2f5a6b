"""The scoreboard: the table printed to stdout, and the docs page written with ``--markdown``."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.conformance.causes import explain
from tests.conformance.outcome import Outcome, RealWorldSummary, Tally, tally

HEADERS = ("corpus", "origin", "passed", "failed", "disputed", "disputed: engine differs")


@dataclass
class Scoreboard:
    """Everything one run of the runner found."""

    outcomes: list[Outcome] = field(default_factory=list)
    real_world: RealWorldSummary | None = None
    absent: list[str] = field(default_factory=list)
    """Corpora whose folder was missing under the shared directory."""
    timeout: float = 10.0

    @property
    def rows(self) -> list[Tally]:
        return tally(self.outcomes)

    def totals(self) -> list[Tally]:
        """One total row per corpus."""
        totals: dict[str, Tally] = {}
        for row in self.rows:
            total = totals.setdefault(row.corpus, Tally(row.corpus, "all"))
            total.passed += row.passed
            total.failed += row.failed
            total.disputed += row.disputed
            total.disputed_failed += row.disputed_failed
        return list(totals.values())

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.counted_failure]


def _cells(row: Tally) -> tuple[str, ...]:
    return (
        row.corpus,
        row.origin,
        str(row.passed),
        str(row.failed),
        str(row.disputed),
        str(row.disputed_failed),
    )


def _table_rows(board: Scoreboard) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    totals = {t.corpus: t for t in board.totals()}
    corpus = None
    for row in board.rows:
        if corpus is not None and row.corpus != corpus:
            rows.append(_cells(totals[corpus]))
        corpus = row.corpus
        rows.append(_cells(row))
    if corpus is not None:
        rows.append(_cells(totals[corpus]))
    return rows


def _text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 2
) -> list[str]:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.ljust(widths[i]) if i < right_from else cell.rjust(widths[i]))
        return "  ".join(out).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _md_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 2
) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    return [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows),
    ]


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def real_world_lines(summary: RealWorldSummary, timeout: float) -> list[str]:
    """The real-world summary as plain sentences (the same in both outputs)."""
    lines = [
        f"{summary.documents} documents: {summary.accepted} accepted, {summary.rejected} rejected, "
        f"{len(summary.crashes)} crashes, {len(summary.timeouts)} timeouts "
        f"(limit {timeout:g} s per document)",
    ]
    if summary.seconds:
        times = sorted(summary.seconds.items(), key=lambda item: -item[1])
        slowest = ", ".join(f"{name} ({_milliseconds(s)})" for name, s in times[:3])
        lines.append(
            f"time per document: total {sum(summary.seconds.values()):.2f} s, "
            f"median {_milliseconds(statistics.median(summary.seconds.values()))}; "
            f"slowest: {slowest}"
        )
    for name, error in summary.crashes:
        lines.append(f"crash: {name}: {error}")
    for name in summary.timeouts:
        lines.append(f"timeout: {name}")
    return lines


def _rule_rows(summary: RealWorldSummary) -> list[tuple[str, str]]:
    return [
        (rule, str(n)) for rule, n in sorted(summary.rules.items(), key=lambda x: (-x[1], x[0]))
    ]


def _origin_rows(summary: RealWorldSummary) -> list[tuple[str, ...]]:
    return [
        (
            origin,
            str(counts["accepted"]),
            str(counts["rejected"]),
            str(counts["crash"]),
            str(counts["timeout"]),
        )
        for origin, counts in sorted(summary.per_origin.items(), key=lambda x: x[0].lower())
    ]


ORIGIN_HEADERS = ("repository", "accepted", "rejected", "crashes", "timeouts")


def render_text(board: Scoreboard) -> str:
    """The table printed to stdout."""
    lines = _text_table(HEADERS, _table_rows(board))
    lines.append("")
    lines.append("'disputed' cases do not count as failures; the last column counts those")
    lines.append("where the engine does not do what the peer expects.")
    for corpus in board.absent:
        lines.append(f"{corpus}: absent from the shared directory, not run")
    if board.real_world is not None:
        lines.append("")
        lines.append("real-world: " + real_world_lines(board.real_world, board.timeout)[0])
        lines.extend("  " + line for line in real_world_lines(board.real_world, board.timeout)[1:])
        rules = ", ".join(f"{rule} {n}" for rule, n in _rule_rows(board.real_world))
        lines.append(f"  rejected documents per rule: {rules or 'none'}")
        lines.append("")
        lines.extend(_text_table(ORIGIN_HEADERS, _origin_rows(board.real_world), right_from=1))
    grouped, unexplained = explain(board.failures)
    if board.failures:
        lines.append("")
        lines.append(f"{len(board.failures)} failures (not disputed):")
        for cause, outcomes in grouped:
            lines.append(f"  {cause.title}: {len(outcomes)}")
        for outcome in unexplained:
            lines.append(f"  unexplained: {outcome.case_id}: {outcome.reason}")
    return "\n".join(lines)


METHOD = """\
`make conformance` (or `python -m tests.conformance --shared DIR`) runs the
engine on test data other people wrote, read in place from the shared
directory (`../shared` next to the repository by default); nothing of it is
copied into the project.  `--markdown docs/conformance.md` rewrites this page.

- **peer-expressions**: runtime-expression cases from five other Arazzo
  projects.  Each case is answered by the engine's own functions:
  `parse_expression` / `parse_condition` (valid or not, and the parts they
  find), `parse_value` (expression or constant; the expressions embedded in a
  text), `evaluate` / `evaluate_condition` against the case's JSON run state.
- **peer-workflows**: workflow tests from four other engines, rewritten as an
  Arazzo document, an OpenAPI description and scripted HTTP answers.  The
  engine runs them through `MockTransport`, whose handler answers from the
  script; the runner then checks what the case asserts: the verdict, outputs,
  step outputs, steps run, the requests sent (method, path, query, headers,
  body) and, where given, the time taken.
- **real-world**: public Arazzo documents from the repositories below, each
  loaded with `Engine.load` (remote sources replaced by their local copies) in a
  worker process with a time limit.  A document is *accepted*, *rejected* (an
  `ArazzoError`; its rule ids are counted), a *crash* (any other exception) or a
  *timeout*.  Most of these documents have real defects: a rejection is not by
  itself wrong, a crash or a timeout always is.
- **schema-tests**: the official Arazzo **1.1** schema test documents, each
  checked alone as the schema sees it (`arazzo validate --no-sources`): a `pass/`
  document passes when no structural (model) error is reported, a `fail/`
  document when at least one located error is.

A case whose expectation the corpus disputes (`dispute` class `b`: the peer is
non-standard; `c`: Arazzo 1.0.1 does not decide) is counted apart and never as
a failure; the last column says in how many of those the engine does not do
what the peer expects.  Class `a` marks a case where the engine is judged
wrong: it counts like any other case.
"""


def _disputed_section(board: Scoreboard) -> list[str]:
    disputed = [o for o in board.outcomes if o.disputed]
    if not disputed:
        return []
    out = [
        "## Disputed cases",
        "",
        "Each case's `dispute` field in the corpus gives the reason.  Class in brackets; "
        "a case marked * is one the engine does what the peer expects anyway.",
        "",
    ]
    by_origin: dict[tuple[str, str], list[str]] = {}
    for o in disputed:
        mark = "*" if o.passed else ""
        by_origin.setdefault((o.corpus, o.origin), []).append(f"`{o.case_id}` ({o.dispute}){mark}")
    for (corpus, origin), ids in by_origin.items():
        out.append(f"- {corpus}, {origin} ({len(ids)}): {', '.join(ids)}")
    return [*out, ""]


def render_markdown(board: Scoreboard) -> str:
    """docs/conformance.md: the latest table, the method, and every failure explained."""
    out = ["# Conformance", "", "How the engine fares on other people's test data.", ""]
    out += ["## Scoreboard", ""]
    out += _md_table(HEADERS, _table_rows(board))
    for corpus in board.absent:
        out += ["", f"{corpus}: absent from the shared directory, not run."]
    if board.real_world is not None:
        summary = board.real_world
        out += ["", "### Real-world documents", ""]
        out += [f"- {line}" for line in real_world_lines(summary, board.timeout)]
        out += [
            "",
            "Rejected documents per rule (a document counts once for each rule it breaks):",
            "",
        ]
        out += _md_table(("rule", "documents"), _rule_rows(summary), right_from=1)
        out += ["", "Per repository:", ""]
        out += _md_table(ORIGIN_HEADERS, _origin_rows(summary), right_from=1)
    out += ["", "## Method", "", METHOD.rstrip()]
    out += ["", "## Failures that remain", ""]
    grouped, unexplained = explain(board.failures)
    if not board.failures:
        out.append("None.")
    for cause, outcomes in grouped:
        out += [f"### {cause.title} ({len(outcomes)})", "", cause.explanation, ""]
        out += [f"- `{o.case_id}` ({o.origin}): {o.reason}" for o in outcomes]
        out.append("")
    if unexplained:
        out += [f"### Not yet explained ({len(unexplained)})", ""]
        out += [f"- `{o.case_id}` ({o.origin}): {o.reason}" for o in unexplained]
        out.append("")
    out += _disputed_section(board)
    return "\n".join(out).rstrip() + "\n"
