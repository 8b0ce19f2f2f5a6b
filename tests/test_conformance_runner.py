"""The conformance runner (tests/conformance) on a tiny corpus this test writes itself.

Each corpus kind gets one case the engine passes, one it fails and one whose
expectation is disputed, in the shared corpora's formats; the counts, the
real-world summary, the page written with ``--markdown`` and the exit status
without a shared directory are checked.  Nothing here reads ../shared.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conformance.__main__ import main, run
from tests.conformance.outcome import Tally

OPENAPI = """\
openapi: 3.0.3
info: {title: ping, version: "1"}
paths:
  /ping:
    get:
      operationId: ping
      responses:
        "200": {description: pong}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: ping, version: "1"}
sourceDescriptions:
  - {name: api, type: openapi, url: ./ping.openapi.yaml}
workflows:
  - workflowId: ping
    steps:
      - stepId: ping
        operationId: ping
        successCriteria:
          - condition: $statusCode == 200
        outputs:
          status: $statusCode
    outputs:
      status: $steps.ping.outputs.status
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _expression_cases(folder: Path) -> None:
    cases = {
        "source": {"repo": "example/expressions"},
        "contexts": {"ok": {"statusCode": 200}},
        "cases": [
            {
                "id": "ok",
                "mode": "condition_eval",
                "input": "$statusCode == 200",
                "context": "ok",
                "expect": {"result": True},
            },
            {
                "id": "wrong",
                "mode": "expression",
                "input": "$inputs.name",
                "expect": {"valid": False},
            },
            {
                "id": "argued",
                "mode": "expression",
                "input": "$self",
                "expect": {"valid": True},
                "dispute": {"class": "c", "why": "1.1 only"},
            },
        ],
    }
    _write(folder / "cases" / "example.json", json.dumps(cases))


def _workflow_case(case_id: str, expect: str, dispute: str = "") -> str:
    return textwrap.dedent(
        """\
        id: {case_id}
        origin: {{repo: example/workflows}}
        {dispute}
        files:
          ping.openapi.yaml: {{from: openapi/ping.openapi.yaml}}
          ping.arazzo.yaml: |
        {arazzo}
        servers: {{api: "{{base}}/v1"}}
        routes:
          - {{method: GET, path: /v1/ping, responses: [{{status: 200, json: {{ok: true}}}}]}}
        runs:
          - workflow: ping
            expect: {expect}
        """
    ).format(
        case_id=case_id,
        dispute=dispute,
        arazzo=textwrap.indent(ARAZZO, "    "),
        expect=expect,
    )


def _workflow_cases(folder: Path) -> None:
    _write(folder / "openapi" / "ping.openapi.yaml", OPENAPI)
    passing = "{succeeded: true, outputs: {status: 200}, requests: [GET /v1/ping]}"
    _write(folder / "cases" / "example" / "ok.yaml", _workflow_case("wf-ok", passing))
    _write(
        folder / "cases" / "example" / "wrong.yaml",
        _workflow_case("wf-wrong", "{succeeded: true, request_count: 2}"),
    )
    _write(
        folder / "cases" / "example" / "argued.yaml",
        _workflow_case(
            "wf-argued", "{succeeded: false}", "dispute: {class: b, reason: non-standard}"
        ),
    )


def _real_world(folder: Path) -> None:
    docs = folder / "docs" / "example__repo"
    _write(docs / "ping.openapi.yaml", OPENAPI)
    _write(docs / "good.arazzo.yaml", ARAZZO)
    _write(docs / "remote.arazzo.yaml", ARAZZO.replace("./ping.openapi.yaml", "https://x.test/p"))
    _write(docs / "bad.arazzo.yaml", ARAZZO.replace("workflowId: ping", "workflowId: 7"))
    rows = ["local_path\trepo\tpath_in_repo\tcommit\tkind"]
    for name, kind in [
        ("good.arazzo.yaml", "arazzo"),
        ("remote.arazzo.yaml", "arazzo"),
        ("bad.arazzo.yaml", "arazzo"),
        ("ping.openapi.yaml", "source"),
    ]:
        rows.append(f"docs/example__repo/{name}\texample/repo\t{name}\tabc\t{kind}")
    _write(folder / "MANIFEST.tsv", "\n".join(rows) + "\n")
    _write(
        folder / "source-overrides.tsv",
        "# document\tsource\tlocal copy\n"
        "example__repo/remote.arazzo.yaml\tapi\texample__repo/ping.openapi.yaml\n",
    )


ARAZZO_11 = ARAZZO.replace("1.0.1", "1.1.0")
TIMED = ARAZZO_11.replace(
    "        operationId: ping\n", "        operationId: ping\n        timeout: TIMEOUT\n"
)


def _schema_tests(folder: Path) -> None:
    _write(folder / "pass" / "minimal.arazzo.yaml", ARAZZO_11)
    _write(folder / "pass" / "timeout.arazzo.yaml", TIMED.replace("TIMEOUT", "500"))
    _write(folder / "pass" / "negative.arazzo.yaml", TIMED.replace("TIMEOUT", "-1"))
    _write(
        folder / "fail" / "no-workflows.arazzo.yaml",
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions: []\n",
    )
    _write(folder / "fail" / "valid.arazzo.yaml", ARAZZO_11)
    _write(folder / "fail" / "timeout.arazzo.yaml", TIMED.replace("TIMEOUT", "500"))


@pytest.fixture()
def shared(tmp_path: Path) -> Path:
    root = tmp_path / "shared"
    _expression_cases(root / "conformance" / "peer-expressions")
    _workflow_cases(root / "conformance" / "peer-workflows")
    _real_world(root / "conformance" / "real-world")
    _schema_tests(root / "spec" / "1.1" / "schema-tests")
    return root


def _counts(rows: list[Tally], corpus: str) -> tuple[int, int, int, int]:
    (row,) = [r for r in rows if r.corpus.startswith(corpus)]
    return row.passed, row.failed, row.disputed, row.disputed_failed


def test_each_corpus_counts_its_passed_failed_and_disputed_cases(shared: Path) -> None:
    board = run(shared, ["peer-expressions", "peer-workflows"], timeout=10)
    assert _counts(board.rows, "peer-expressions") == (1, 1, 1, 1)
    assert _counts(board.rows, "peer-workflows") == (1, 1, 1, 1)
    failures = {o.case_id: o.reason for o in board.failures}
    assert set(failures) == {"wrong", "wf-wrong"}
    assert "expects a rejection" in failures["wrong"]
    assert "1 requests, expected 2" in failures["wf-wrong"]


def test_real_world_documents_are_accepted_or_rejected_by_rule(shared: Path) -> None:
    board = run(shared, ["real-world"], timeout=20)
    summary = board.real_world
    assert summary is not None
    assert (summary.accepted, summary.rejected) == (2, 1)
    assert summary.crashes == [] and summary.timeouts == []
    assert set(summary.rules) == {"type"}
    assert summary.per_origin["example/repo"]["accepted"] == 2
    assert set(summary.seconds) == {
        "example__repo/good.arazzo.yaml",
        "example__repo/remote.arazzo.yaml",
        "example__repo/bad.arazzo.yaml",
    }


def test_schema_tests_judge_structure_not_what_is_not_run_yet(shared: Path) -> None:
    board = run(shared, ["schema-tests"], timeout=20)
    outcomes = {o.case_id: o for o in board.outcomes}
    assert outcomes["pass/minimal.arazzo.yaml"].passed
    assert outcomes["pass/timeout.arazzo.yaml"].passed  # refused as not run yet only
    assert outcomes["pass/negative.arazzo.yaml"].reason == "rejected by type"
    assert outcomes["fail/no-workflows.arazzo.yaml"].passed
    assert outcomes["fail/valid.arazzo.yaml"].reason == "accepted"
    assert outcomes["fail/timeout.arazzo.yaml"].reason == "accepted"


def test_the_table_and_the_page(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "conformance.md"
    assert main(["--shared", str(shared), "--markdown", str(page)]) == 0
    out = capsys.readouterr().out
    assert "example/expressions" in out and "example/workflows" in out
    assert "real-world: 3 documents: 2 accepted, 1 rejected, 0 crashes, 0 timeouts" in out
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Conformance")
    assert "| peer-workflows | example/workflows | 1 | 1 | 1 | 1 |" in text
    assert "### Not yet explained (5)" in text and "`wf-wrong`" in text
    assert "`fail/valid.arazzo.yaml`" in text and "`pass/negative.arazzo.yaml`" in text


def test_a_missing_shared_directory_says_so_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--shared", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "--shared DIR" in err


def test_a_missing_corpus_is_reported_not_run(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in sorted((shared / "conformance" / "peer-expressions").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (shared / "conformance" / "peer-expressions").rmdir()
    assert main(["--shared", str(shared), "--corpus", "peer-expressions"]) == 0
    assert "peer-expressions: absent from the shared directory" in capsys.readouterr().out


def test_a_document_over_its_time_limit_is_a_timeout_and_the_run_goes_on(tmp_path: Path) -> None:
    # Each document holds 300 workflows (a load of a few hundred milliseconds) and
    # the limit is zero: each worker is killed and a fresh one takes the next document.
    folder = tmp_path / "shared" / "conformance" / "real-world"
    head, steps = ARAZZO.split("workflows:\n")
    big = (
        head
        + "workflows:\n"
        + "".join(steps.replace("workflowId: ping", f"workflowId: ping{i}") for i in range(300))
    )
    rows = ["local_path\trepo\tpath_in_repo\tcommit\tkind"]
    for name in ("one", "two"):
        _write(folder / "docs" / "r" / f"{name}.arazzo.yaml", big)
        rows.append(f"docs/r/{name}.arazzo.yaml\texample/slow\t{name}\tabc\tarazzo")
    _write(folder / "docs" / "r" / "ping.openapi.yaml", OPENAPI)
    _write(folder / "MANIFEST.tsv", "\n".join(rows) + "\n")
    board = run(tmp_path / "shared", ["real-world"], timeout=0.0)
    summary = board.real_world
    assert summary is not None
    assert (summary.accepted, summary.rejected) == (0, 0)
    assert summary.timeouts == ["r/one.arazzo.yaml", "r/two.arazzo.yaml"]
    assert summary.per_origin["example/slow"]["timeout"] == 2


def test_an_expectation_the_runner_cannot_check_fails_the_case(tmp_path: Path) -> None:
    from tests.conformance import expressions, workflows

    case = {"id": "x", "mode": "expression", "input": "$url", "expect": {"valid": True, "ast": 1}}
    assert "does not check ['ast']" in expressions.check_case(case, {})
    problems = workflows.run_case({"id": "y", "files": {}, "verdict": "ok"}, tmp_path)
    assert problems == ["case: the runner does not check 'verdict'"]
