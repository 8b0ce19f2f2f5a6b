"""`arazzo run` through a real subprocess: live view, -v, --trace, reports, TTY and NO_COLOR.

Every output of a run with credentials is searched for each secret.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from fixtures.fal.fake_fal_server import FakeFalServer
from tests.cli_run import ARAZZO, arazzo, environment, fal_args
from tests.conftest import ROOT
from tests.http_server import RecordingServer
from tests.shop import API_KEY, AUTH_ARGS, QUERY_KEY, SECRETS, SHOP, TOKEN, serve_shop, slow_route

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def order_args(server: RecordingServer, *extra: str) -> list[str]:
    return [
        "run",
        str(SHOP),
        "-w",
        "order",
        "--input",
        "itemId=widget",
        "--input",
        "quantity=2",
        "--server",
        f"shop={server.url}",
        *AUTH_ARGS,
        *extra,
    ]


def assert_no_secret(*texts: str) -> None:
    import base64
    from urllib.parse import quote

    for text in texts:
        for secret in SECRETS:
            assert secret not in text
            assert quote(secret, safe="") not in text
            assert base64.b64encode(secret.encode()).decode() not in text


def test_plain_piped_output_one_line_per_step(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    done = arazzo(*order_args(http_server))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    steps = [re.sub(r"\d+ ms$", "N ms", line) for line in lines if "attempt" in line]
    assert steps == [
        "ok   order/getItem  200  attempt 1  N ms",
        "ok   order/createOrder  201  attempt 1  N ms",
        "FAIL order/pollStatus  503  attempt 1  N ms",
        "ok   order/pollStatus  200  attempt 2  N ms",
        "ok   order/pollStatus  200  attempt 3  N ms",
    ]
    assert lines[-1] == 'outputs: {"orderId": "o-1", "state": "shipped"}'
    everything = done.stdout + done.stderr
    assert "\x1b" not in everything and "\r" not in everything
    assert_no_secret(everything)


def test_inputs_are_coerced_by_the_schema(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    extra = ("--input", "express=true", "--input", 'notes:={"gift": true}', "--json")
    done = arazzo(*order_args(http_server, *extra))
    assert done.returncode == 0, done.stderr
    (order,) = [r for r in http_server.requests if r.path == "/orders"]
    assert order.json() == {
        "item": "widget",
        "quantity": 2,
        "express": True,
        "notes": {"gift": True},
    }
    bad = arazzo(*order_args(http_server, "--input", "quantity=two"))
    assert bad.returncode == 2 and "quantity" in bad.stderr and "integer" in bad.stderr


def test_json_keeps_stdout_pure_and_progress_on_stderr(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    done = arazzo(*order_args(http_server, "--json", "-v"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # nothing else on stdout
    assert result["succeeded"] is True and result["outputs"]["state"] == "shipped"
    assert [s["stepId"] for s in result["steps"]] == ["getItem", "createOrder"] + ["pollStatus"] * 3
    assert [s["attempt"] for s in result["steps"]][-3:] == [1, 2, 3]
    assert "ok   order/getItem" in done.stderr and "> GET " in done.stderr
    assert_no_secret(done.stdout, done.stderr)


def test_verbose_shows_requests_and_responses_masked(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    done = arazzo(*order_args(http_server, "-v"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"> GET {http_server.url}/items/widget" in out
    assert "> X-Api-Key: ***" in out and "> Authorization: ***" in out
    assert f"> GET {http_server.url}/status/o-1?api_key=***" in out
    assert "< 503 application/json" in out and '"seenKey": "***"' in out
    assert '> {"item":"widget","quantity":2' in out
    # The request lines of a step come before its result line.
    assert out.index("> POST ") < out.index("order/createOrder  201")
    assert_no_secret(done.stdout, done.stderr)
    assert {r.header("X-Api-Key") for r in http_server.requests if r.path == "/items/widget"} == {
        API_KEY
    }


def test_trace_shows_every_expression_and_criterion(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    done = arazzo(*order_args(http_server, "--trace"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert '= parameter id (path): $inputs.itemId -> "widget"' in out
    assert (
        "? successCriteria `$statusCode == 200 && $response.body#/stock >= $inputs.quantity`" in out
    )
    assert "$response.body#/stock >= $inputs.quantity  ->  5 >= 2: true" in out
    assert "$statusCode == 200  ->  503 == 200: false" in out
    assert "-> onFailure action 'busy': retry" in out
    assert "-> onSuccess action 'notYet': goto step pollStatus" in out
    assert "= output url: $url -> " in out and "api_key=***" in out
    assert '= workflow output state: $steps.pollStatus.outputs.state -> "shipped"' in out
    assert_no_secret(done.stdout, done.stderr)


def test_failure_exits_1_with_the_values_that_failed(http_server: RecordingServer) -> None:
    serve_shop(http_server, stock=1)
    done = arazzo(*order_args(http_server, "--trace"))
    assert done.returncode == 1
    assert "FAIL order/getItem  200  attempt 1" in done.stdout
    assert "$response.body#/stock >= $inputs.quantity  ->  1 >= 2: false" in done.stdout
    assert "error: step 'getItem' of workflow 'order'" in done.stderr
    assert_no_secret(done.stdout, done.stderr)


# ---------------------------------------------------------------- reports


def check_junit(text: str) -> ET.Element:
    """The structure JUnit consumers rely on (Jenkins' and Ant's junit schemas), checked."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    counters = ("tests", "failures", "errors", "skipped")
    totals = dict.fromkeys(counters, 0)
    assert root.get("name")
    float(root.get("time", "x"))
    for suite in root:
        assert suite.tag == "testsuite"
        assert suite.get("name")
        for key in counters:
            assert suite.get(key, "").isdigit(), key
            totals[key] += int(suite.get(key, "0"))
        float(suite.get("time", "x"))
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp", ""))
        assert suite.get("hostname")
        cases = [child for child in suite if child.tag == "testcase"]
        assert [c.tag for c in suite if c.tag != "testcase"] in ([], ["properties"])
        assert len(cases) == int(suite.get("tests", "-1"))
        outcome = {"failure": 0, "error": 0, "skipped": 0}
        for case in cases:
            assert case.get("name") and case.get("classname") == suite.get("name")
            float(case.get("time", "x"))
            kinds = [child.tag for child in case]
            assert set(kinds) <= {"failure", "error", "skipped", "system-out", "system-err"}
            verdicts = [k for k in kinds if k in outcome]
            assert len(verdicts) <= 1
            for child in case:
                if child.tag in ("failure", "error"):
                    assert child.get("message") and child.get("type")
                if child.tag == "skipped":
                    assert child.get("message") is not None
            for verdict in verdicts:
                outcome[verdict] += 1
        assert outcome["failure"] == int(suite.get("failures", "-1"))
        assert outcome["error"] == int(suite.get("errors", "-1"))
        assert outcome["skipped"] == int(suite.get("skipped", "-1"))
    for key in counters:
        assert root.get(key) == str(totals[key])
    return root


def test_reports_of_a_passing_run(http_server: RecordingServer, tmp_path: Path) -> None:
    serve_shop(http_server, padding=10_000)
    junit, trace = tmp_path / "junit.xml", tmp_path / "trace.json"
    done = arazzo(
        *order_args(http_server, "--report", f"junit={junit}", "--report", f"json={trace}")
    )
    assert done.returncode == 0, done.stderr
    root = check_junit(junit.read_text())
    (suite,) = root
    assert suite.get("name") == "order" and suite.get("failures") == "0"
    cases = {c.get("name"): c for c in suite}
    assert list(cases) == ["getItem", "createOrder", "pollStatus"]
    notes = cases["pollStatus"].findtext("system-out") or ""
    assert "attempt 1: failed (503) (recovered by onFailure)" in notes
    assert "attempt 3: passed (200)" in notes

    report = json.loads(trace.read_text())
    assert report["workflowId"] == "order" and report["succeeded"] is True
    assert [s["stepId"] for s in report["steps"]] == ["getItem", "createOrder"] + ["pollStatus"] * 3
    first = report["steps"][0]
    assert first["request"]["headers"]["X-Api-Key"] == "***"
    assert first["response"]["statusCode"] == 200
    assert first["response"]["bodyTruncated"] is True
    assert len(first["response"]["body"]) <= 4096 < first["response"]["bodySize"]
    assert first["criteria"][0]["terms"][1]["leftValue"] == 5
    assert first["elapsed"] >= 0 and first["startedAt"] >= 0
    assert report["steps"][2]["actions"] == [
        {
            "where": "onFailure",
            "name": "busy",
            "type": "retry",
            "stepId": None,
            "workflowId": None,
            "delay": 0.0,
        }
    ]
    assert report["steps"][3]["outputs"]["url"].endswith("api_key=***")
    assert_no_secret(junit.read_text(), trace.read_text(), done.stdout, done.stderr)


def test_reports_of_a_failing_nested_run(http_server: RecordingServer, tmp_path: Path) -> None:
    serve_shop(http_server, stock=0)
    junit = tmp_path / "junit.xml"
    done = arazzo(
        "run",
        str(SHOP),
        "-w",
        "checkout",
        "--input",
        "itemId=widget",
        "--server",
        f"shop={http_server.url}",
        *AUTH_ARGS,
        "--report",
        f"junit={junit}",
    )
    assert done.returncode == 1
    root = check_junit(junit.read_text())
    suites = {s.get("name"): s for s in root}
    assert list(suites) == ["checkout", "order"]
    order = {c.get("name"): c for c in suites["order"]}
    failure = order["getItem"].find("failure")
    assert failure is not None and "successCriteria not met" in (failure.get("message") or "")
    assert "0 >= 1: false" in (failure.text or "")
    assert "X-Api-Key: ***" in (failure.text or "")
    assert order["createOrder"].find("skipped") is not None
    checkout = {c.get("name"): c for c in suites["checkout"]}
    assert checkout["placeOrder"].find("failure") is not None
    assert checkout["confirm"].find("skipped") is not None
    assert_no_secret(junit.read_text(), done.stdout, done.stderr)


def test_max_steps_ends_a_loop_and_the_report_says_so(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    serve_shop(http_server, busy_first=False, states=("packing",))
    junit = tmp_path / "junit.xml"
    done = arazzo(*order_args(http_server, "--max-steps", "5", "--report", f"junit={junit}"))
    assert done.returncode == 1 and "max_steps (5)" in done.stderr
    assert done.stdout.count("order/pollStatus") == 3
    root = check_junit(junit.read_text())
    (workflow_case,) = [c for c in root.iter("testcase") if c.get("name") == "(workflow)"]
    failure = workflow_case.find("failure")
    assert failure is not None and "max_steps (5)" in (failure.get("message") or "")


def test_timeout_fails_the_step(http_server: RecordingServer) -> None:
    http_server.route("GET", "/slow", slow_route(1.0))  # type: ignore[arg-type]
    done = arazzo(
        "run", str(SHOP), "-w", "slow", "--server", f"shop={http_server.url}", "--timeout", "0.2"
    )
    assert done.returncode == 1 and "FAIL slow/wait" in done.stdout


def test_usage_errors_exit_2(http_server: RecordingServer) -> None:
    bad_kind = arazzo(*order_args(http_server, "--report", "html=out.html"))
    assert bad_kind.returncode == 2 and "junit, json" in bad_kind.stderr
    no_workflow = arazzo("run", str(SHOP), "--server", f"shop={http_server.url}")
    assert no_workflow.returncode == 2
    assert "order, checkout, slow" in no_workflow.stderr
    assert not http_server.requests


# ---------------------------------------------------------------- streams


def test_stream_events_print_live_in_order() -> None:
    server = FakeFalServer(api_key="live-key-123", events=3, interval=0.3)
    with (
        server,
        subprocess.Popen(
            [*ARAZZO, *fal_args(server, "live-key-123")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=environment(),
        ) as process,
    ):
        assert process.stdout is not None and process.stderr is not None
        arrivals: list[tuple[float, str]] = []
        for line in process.stdout:
            arrivals.append((time.perf_counter(), line.rstrip("\n")))
        assert process.wait(timeout=30) == 0
        stderr = process.stderr.read()
    lines = [line for _, line in arrivals]
    assert lines[0].startswith("ok   stream-inference/openStream  200  attempt 1")
    assert lines[1] == "events from openStream:"
    kinds = [re.sub(r"^  \+ *[0-9.]+s  (\w+): .*$", r"\1", line) for line in lines[2:6]]
    assert kinds == ["progress", "progress", "progress", "output"]
    assert lines[6] == 'outputs: {"statusCode": 200}'
    # Live: the first event was printed well before the last one arrived.
    first_event, last_event = arrivals[2][0], arrivals[5][0]
    assert last_event - first_event > 0.6
    assert arrivals[0][0] < first_event
    assert_no_secret("\n".join(lines), stderr)
    assert "live-key-123" not in "\n".join(lines) + stderr


def test_no_follow_stops_at_the_stream_opening() -> None:
    # following this stream would take 30 s: the bound is far from any loaded machine's noise
    with FakeFalServer(api_key="k-no-follow", events=3, interval=10.0) as server:
        started = time.perf_counter()
        done = arazzo(*fal_args(server, "k-no-follow", "--no-follow"))
        elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "events from" not in done.stdout and elapsed < 15


# ---------------------------------------------------------------- terminal


def run_on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal; everything it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*ARAZZO, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=env,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        process.wait(timeout=10)
    return b"".join(chunks).decode("utf-8", errors="replace")


def slow_args(server: RecordingServer) -> list[str]:
    return ["run", str(SHOP), "-w", "slow", "--server", f"shop={server.url}"]


def test_terminal_gets_a_spinner_and_colour(http_server: RecordingServer) -> None:
    http_server.route("GET", "/slow", slow_route(0.6))  # type: ignore[arg-type]
    text = run_on_terminal(slow_args(http_server), environment(TERM="xterm"))
    assert "\x1b[32mok  \x1b[0m slow/wait  200  attempt 1" in text
    assert "\r\x1b[2K" in text and "slow/wait  GET /slow (slow)" in text
    assert any(frame in text for frame in "⠋⠙⠹⠸")


def test_no_color_keeps_the_spinner_but_drops_colour(http_server: RecordingServer) -> None:
    http_server.route("GET", "/slow", slow_route(0.4))  # type: ignore[arg-type]
    text = run_on_terminal(slow_args(http_server), environment(TERM="xterm", NO_COLOR="1"))
    assert "ok   slow/wait  200  attempt 1" in text
    assert "\r\x1b[2K" in text
    assert not [code for code in ANSI.findall(text) if code.endswith("m")]


def test_failure_is_red_on_a_terminal(http_server: RecordingServer) -> None:
    serve_shop(http_server, stock=0)
    args = order_args(http_server)
    text = run_on_terminal(args, environment(TERM="xterm"))
    assert "\x1b[31;1mFAIL\x1b[0m order/getItem" in text
    for secret in (API_KEY, TOKEN, QUERY_KEY):
        assert secret not in text
