"""`arazzo run --inputs-file rows.jsonl`: a batch through the real CLI against a real server.

One run per row on threads (``--jobs``), results as JSON lines (stdout or
``--output``), resuming from the output file, usage errors, progress when piped.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.cli_run import ARAZZO, arazzo, environment
from tests.conftest import ROOT
from tests.http_server import Received, RecordingServer, Reply

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "greetings", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "components": {
        "securitySchemes": {"KeyAuth": {"type": "apiKey", "in": "header", "name": "X-Key"}}
    },
    "security": [{"KeyAuth": []}],
    "paths": {
        "/greet": {
            "post": {
                "operationId": "greet",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "a greeting"}},
            }
        }
    },
}

FLOW: dict[str, Any] = {
    "arazzo": "1.0.1",
    "info": {"title": "greetings", "version": "1.0.0"},
    "sourceDescriptions": [{"name": "api", "url": "api.openapi.json", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "greet",
            "inputs": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "greeting": {"type": "string", "default": "hello"},
                },
            },
            "steps": [
                {
                    "stepId": "say",
                    "operationId": "greet",
                    "requestBody": {
                        "contentType": "application/json",
                        "payload": {"name": "$inputs.name", "greeting": "$inputs.greeting"},
                    },
                    "successCriteria": [{"condition": "$statusCode == 200"}],
                    "outputs": {"text": "$response.body#/text"},
                }
            ],
            "outputs": {"text": "$steps.say.outputs.text"},
        }
    ],
}

SECRET = "batch-secret-7f3a"


def write_flow(folder: Path) -> Path:
    (folder / "api.openapi.json").write_text(json.dumps(API))
    path = folder / "greet.arazzo.json"
    path.write_text(json.dumps(FLOW))
    return path


def write_rows(
    folder: Path, rows: Iterable[dict[str, Any] | str], name: str = "rows.jsonl"
) -> Path:
    """One line per row: a dict as JSON, a string as it is (blank lines, broken lines)."""
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def serve(server: RecordingServer, *, failing: Iterable[str] = (), delay: float = 0.0) -> None:
    """POST /greet answers 200 with a text; names in ``failing`` get 500."""
    bad = set(failing)

    def greet(request: Received) -> Reply:
        if delay:
            time.sleep(delay)
        body = request.json()
        if body["name"] in bad:
            return Reply(500, {"detail": "no"})
        return Reply(200, {"text": f"{body['greeting']} {body['name']}"})

    server.route("POST", "/greet", greet)


def batch_args(server: RecordingServer, flow: Path, rows: Path, *extra: str) -> list[str]:
    return [
        "run",
        str(flow),
        "-w",
        "greet",
        "--inputs-file",
        str(rows),
        "--server",
        f"api={server.url}",
        "--auth",
        f"KeyAuth={SECRET}",
        *extra,
    ]


def result_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def names_sent(server: RecordingServer) -> list[str]:
    return sorted(request.json()["name"] for request in server.requests)


def test_a_batch_runs_every_row_and_writes_one_line_per_row_to_stdout(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server)
    flow = write_flow(tmp_path)
    names = [f"n{i}" for i in range(8)]
    rows = write_rows(
        tmp_path, [{"name": n} for n in names[:4]] + [""] + [{"name": n} for n in names[4:]]
    )
    done = arazzo(*batch_args(http_server, flow, rows, "--jobs", "3"))
    assert done.returncode == 0, done.stderr
    lines = result_lines(done.stdout)
    assert sorted(line["row"] for line in lines) == list(range(8))  # the blank line is no row
    for line in lines:
        name = names[line["row"]]
        assert line["succeeded"] is True and line["workflowId"] == "greet"
        assert line["outputs"] == {"text": f"hello {name}"}  # the schema default was filled
        assert line["steps"][0]["stepId"] == "say" and line["steps"][0]["statusCode"] == 200
    assert names_sent(http_server) == names
    assert all(request.header("X-Key") == SECRET for request in http_server.requests)
    assert SECRET not in done.stdout + done.stderr
    assert "batch: 8/8 rows done, 8 succeeded, 0 failed; 8 run in" in done.stderr


def test_runs_overlap_up_to_jobs_and_never_beyond(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    active = peak = 0
    lock = threading.Lock()

    def greet(request: Received) -> Reply:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.1)
        with lock:
            active -= 1
        return Reply(200, {"text": "hi"})

    http_server.route("POST", "/greet", greet)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": f"n{i}"} for i in range(9)])
    done = arazzo(*batch_args(http_server, flow, rows, "--jobs", "3"))
    assert done.returncode == 0, done.stderr
    assert peak == 3


def test_output_file_holds_each_row_once_and_a_failed_row_exits_1(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server, failing={"n2", "n5"})
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": f"n{i}"} for i in range(7)])
    output = tmp_path / "results.jsonl"
    done = arazzo(*batch_args(http_server, flow, rows, "--output", str(output)))
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    text = output.read_text()
    assert text.endswith("\n") and SECRET not in text
    lines = result_lines(text)
    assert sorted(line["row"] for line in lines) == list(range(7))
    failed = sorted(line["row"] for line in lines if not line["succeeded"])
    assert failed == [2, 5]
    bad = next(line for line in lines if line["row"] == 2)
    assert bad["steps"][0]["statusCode"] == 500 and bad["error"]
    assert "batch: 7/7 rows done, 5 succeeded, 2 failed; 7 run in" in done.stderr


def test_rerun_with_the_same_output_runs_only_the_missing_rows(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": f"n{i}"} for i in range(6)])
    output = tmp_path / "results.jsonl"
    earlier = [
        {"row": 0, "workflowId": "greet", "succeeded": True, "outputs": {}, "error": None},
        {"row": 3, "workflowId": "greet", "succeeded": False, "outputs": {}, "error": "x"},
        {"row": 4, "workflowId": "greet", "succeeded": True, "outputs": {}, "error": None},
    ]
    # The last line was cut short by a crash: dropped, and row 5 runs again.
    output.write_text("".join(json.dumps(e) + "\n" for e in earlier) + '{"row": 5, "workflowI')
    done = arazzo(*batch_args(http_server, flow, rows, "--output", str(output)))
    assert names_sent(http_server) == ["n1", "n2", "n5"]
    assert done.returncode == 1, done.stderr  # row 3 failed in the earlier run
    lines = result_lines(output.read_text())
    assert [line["row"] for line in lines[:3]] == [0, 3, 4]
    assert sorted(line["row"] for line in lines) == list(range(6))
    assert "3 already in" in done.stderr and "6/6 rows done, 5 succeeded, 1 failed" in done.stderr

    http_server.requests.clear()
    again = arazzo(*batch_args(http_server, flow, rows, "--output", str(output)))
    assert again.returncode == 1 and http_server.requests == []
    assert result_lines(output.read_text()) == lines


def test_a_complete_last_line_without_newline_is_kept(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a"}, {"name": "b"}])
    output = tmp_path / "results.jsonl"
    output.write_text('{"row": 1, "succeeded": true}')
    done = arazzo(*batch_args(http_server, flow, rows, "--output", str(output)))
    assert done.returncode == 0, done.stderr
    assert names_sent(http_server) == ["a"]
    assert [line["row"] for line in result_lines(output.read_text())] == [1, 0]


def test_bad_jsonl_line_is_a_usage_error_naming_file_and_line(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a"}, "", '{"name": "b", oops}', {"name": "c"}])
    done = arazzo(*batch_args(http_server, flow, rows))
    assert done.returncode == 2
    assert f"--inputs-file {rows}:3:" in done.stderr and "expected a JSON object" in done.stderr
    assert "oops" not in done.stderr  # the file is never quoted
    rows = write_rows(tmp_path, [{"name": "a"}, "[1, 2]"])
    done = arazzo(*batch_args(http_server, flow, rows))
    assert done.returncode == 2
    assert f"--inputs-file {rows}:2: expected a JSON object of inputs, got an array" in done.stderr
    assert http_server.requests == []


def test_a_row_breaking_the_inputs_schema_stops_the_batch_before_any_request(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a"}, {"name": 7}, {"name": "c"}])
    done = arazzo(*batch_args(http_server, flow, rows))
    assert done.returncode == 2
    assert f"--inputs-file {rows}:2: inputs of workflow 'greet' break" in done.stderr
    assert http_server.requests == []


def test_input_options_apply_to_every_row(tmp_path: Path, http_server: RecordingServer) -> None:
    serve(http_server)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a", "greeting": "yo"}, {"name": "b"}])
    done = arazzo(*batch_args(http_server, flow, rows, "--input", "greeting=hey"))
    assert done.returncode == 0, done.stderr
    texts = sorted(line["outputs"]["text"] for line in result_lines(done.stdout))
    assert texts == ["hey a", "hey b"]


def test_an_output_line_from_elsewhere_is_a_usage_error(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a"}, {"name": "b"}])
    output = tmp_path / "results.jsonl"
    output.write_text('{"row": 9, "succeeded": true}\n')
    done = arazzo(*batch_args(http_server, flow, rows, "--output", str(output)))
    assert done.returncode == 2
    assert f"--output {output}:1: row 9 is not among the 2 rows" in done.stderr
    output.write_text('{"name": "x"}\n{"row": 0, "succeeded": true}\n')
    done = arazzo(*batch_args(http_server, flow, rows, "--output", str(output)))
    assert done.returncode == 2
    assert f"--output {output}:1: not a result line of arazzo run" in done.stderr
    done = arazzo(*batch_args(http_server, flow, rows, "--output", str(rows)))
    assert done.returncode == 2 and "is the inputs file" in done.stderr
    assert http_server.requests == []


def test_options_that_do_not_fit_a_batch_are_refused(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a"}])
    single = tmp_path / "one.json"
    single.write_text('{"name": "a"}')
    cases = [
        (batch_args(http_server, flow, rows, "--json"), "--json is not for a batch"),
        (batch_args(http_server, flow, rows, "-v"), "--verbose is not for a batch"),
        (batch_args(http_server, flow, rows, "--trace"), "--trace is not for a batch"),
        (
            batch_args(http_server, flow, rows, "--report", f"junit={tmp_path / 'r.xml'}"),
            "--report is not for a batch",
        ),
        (batch_args(http_server, flow, rows, "--jobs", "0"), "--jobs must be at least 1, got 0"),
        (batch_args(http_server, flow, single, "--jobs", "2"), "--jobs runs a batch"),
        (batch_args(http_server, flow, single, "--output", "o.jsonl"), "--output runs a batch"),
    ]
    for args, said in cases:
        done = arazzo(*args)
        assert done.returncode == 2, args
        assert said in done.stderr, done.stderr
    assert http_server.requests == []


def test_a_bad_dask_target_names_the_accepted_forms(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a"}])
    for target in ("local:0", "localhost", "cluster:8786", "local:two"):
        done = arazzo(*batch_args(http_server, flow, rows, "--dask", target))
        assert done.returncode == 2
        assert (
            f"--dask expects local, local:N (a LocalCluster of N worker processes) or a "
            f"scheduler address such as tcp://host:8786; got '{target}'"
        ) in done.stderr


def test_progress_when_piped_is_plain_lines_and_a_summary(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server, failing={"n1"}, delay=0.25)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": f"n{i}"} for i in range(10)])
    output = tmp_path / "out.jsonl"
    done = arazzo(*batch_args(http_server, flow, rows, "--jobs", "2", "--output", str(output)))
    assert done.returncode == 1
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    lines = done.stderr.splitlines()
    status = re.compile(r"done (\d+)/10  failed [01]  in flight [0-2]  \d+\.\d runs/s  ETA \d+ s")
    progress = [line for line in lines[:-1]]
    assert progress and all(status.fullmatch(line) for line in progress), lines
    assert len(progress) >= 2  # the first finish, then at least once a second (>1.2 s)
    counts = [int(status.fullmatch(line).group(1)) for line in progress]  # type: ignore[union-attr]
    assert counts == sorted(counts)
    assert re.fullmatch(
        r"batch: 10/10 rows done, 9 succeeded, 1 failed; 10 run in \d+\.\d s, \d+\.\d runs/s",
        lines[-1],
    )


def test_interrupted_then_rerun_every_row_is_written_exactly_once(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server, delay=0.2)
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": f"n{i}"} for i in range(12)])
    output = tmp_path / "results.jsonl"
    args = batch_args(http_server, flow, rows, "--jobs", "2", "--output", str(output))
    process = subprocess.Popen(
        [*ARAZZO, *args],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (
        not output.exists() or output.read_text().count("\n") < 3
    ):
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert f"rerun with --output {output} to continue" in stderr
    first = result_lines(output.read_text())
    assert 3 <= len(first) < 12
    sent_before = len(http_server.requests)

    done = arazzo(*args)
    assert done.returncode == 0, done.stderr
    lines = result_lines(output.read_text())
    assert sorted(line["row"] for line in lines) == list(range(12))
    assert len(http_server.requests) - sent_before == 12 - len(first)


def test_a_finished_batch_reruns_nothing_and_keeps_its_exit_code(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": "a"}, {"name": "b"}])
    output = tmp_path / "results.jsonl"
    output.write_text('{"row": 1, "succeeded": true}\n{"row": 0, "succeeded": true}\n')
    for extra in ((), ("--dask", "local:2"), ("--jobs", "1")):
        done = arazzo(*batch_args(http_server, flow, rows, "--output", str(output), *extra))
        assert done.returncode == 0, done.stderr
        [summary] = done.stderr.splitlines()
        assert re.fullmatch(
            rf"batch: 2/2 rows done, 2 succeeded, 0 failed; 0 run in \d+\.\d s; "
            rf"2 already in {re.escape(str(output))}",
            summary,
        )
    assert http_server.requests == []


def test_a_batch_on_a_local_dask_cluster_writes_every_row_and_resumes(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve(http_server, failing={"n3"})
    flow = write_flow(tmp_path)
    rows = write_rows(tmp_path, [{"name": f"n{i}"} for i in range(6)])
    output = tmp_path / "results.jsonl"
    output.write_text('{"row": 0, "workflowId": "greet", "succeeded": true}\n')
    args = batch_args(http_server, flow, rows, "--dask", "local:2", "--output", str(output))
    done = arazzo(*args, timeout=120)
    assert done.returncode == 1, done.stderr  # row 3 failed
    lines = result_lines(output.read_text())
    assert sorted(line["row"] for line in lines) == list(range(6))  # each row once
    assert [line["row"] for line in lines if not line["succeeded"]] == [3]
    assert sorted(names_sent(http_server)) == ["n1", "n2", "n3", "n4", "n5"]  # row 0 was done
    assert SECRET not in output.read_text() + done.stderr + done.stdout
