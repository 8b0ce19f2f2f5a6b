"""Message steps (Arazzo 1.1 send/receive) in every view of a run: `arazzo run`'s live
view, -v, --trace, the JSON trace, JUnit and failure explanations.

The command line runs in a subprocess against a real WebSocket hub running the order
service (:mod:`tests.ws_hub`) in this process; the renderers are also fed events built
by hand where a case (a control character, a long payload) is simpler that way.
"""

from __future__ import annotations

import io
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine.cli.live import LiveView
from arazzo_engine.events import (
    CriterionEvaluated,
    Event,
    MessageReceived,
    MessageSent,
    StepFinished,
    StepStarted,
    Term,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_engine.redaction import Redactor
from arazzo_engine.reports.render import (
    criterion_lines,
    explain_failure,
    message_action,
    message_lines,
)
from arazzo_engine.reports.trace import RunTrace, junit_xml
from arazzo_engine.results import StepMessage, StepResult
from tests.cli_run import arazzo
from tests.test_cli_live import check_junit
from tests.test_message_workflows import flow
from tests.ws_hub import WsHub, running_hub

MS = re.compile(r"\d+ ms")


@pytest.fixture(scope="module")
def hub() -> Iterator[WsHub]:
    with running_hub() as running:
        yield running


_ids = iter(range(1_000_000))


def request_id() -> str:
    return f"r-{time.monotonic_ns()}-{next(_ids)}"


def order(hub: WsHub, tmp_path: Path, item: str, *extra: str, timeout: int = 5000) -> list[str]:
    """``arazzo run`` of the order workflow against the hub."""
    return [
        "run",
        str(flow(tmp_path, timeout=timeout)),
        "-w",
        "order",
        "--input",
        f"requestId={request_id()}",
        "--input",
        f"item={item}",
        "--server",
        f"events={hub.url}",
        *extra,
    ]


def step_lines(out: str) -> list[str]:
    return [MS.sub("N ms", line) for line in out.splitlines() if "  attempt " in line]


# -- the live view, through the real command line -----------------------------------------


def test_a_message_step_line_names_its_action_channel_and_wait(hub: WsHub, tmp_path: Path) -> None:
    done = arazzo(*order(hub, tmp_path, "book"))
    assert done.returncode == 0, done.stderr
    assert step_lines(done.stdout) == [
        "ok   order/place  send orders.create  attempt 1  N ms",
        "ok   order/confirmed  receive orders.eu.replies  waited N ms  attempt 1  N ms",
    ]
    assert done.stdout.splitlines()[-1] == 'outputs: {"orderId": "o-book"}'
    assert "> send" not in done.stdout and "< receive" not in done.stdout  # not without -v
    assert "\x1b" not in done.stdout + done.stderr and "\r" not in done.stdout


def test_verbose_shows_each_message_like_a_request_and_a_response(
    hub: WsHub, tmp_path: Path
) -> None:
    args = order(hub, tmp_path, "book", "-v")
    rid = args[args.index("--input") + 1].removeprefix("requestId=")
    done = arazzo(*args)
    assert done.returncode == 0, done.stderr
    lines = [MS.sub("N ms", line) for line in done.stdout.splitlines()]
    sent = lines.index(f"     > send orders.create via {hub.url} (application/json)")
    assert lines[sent : sent + 5] == [
        f"     > send orders.create via {hub.url} (application/json)",
        f"     > X-Request-Id: {rid}",
        "     > ",
        f'     > {{"requestId":"{rid}","item":"book"}}',
        "ok   order/place  send orders.create  attempt 1  N ms",
    ]
    came = lines.index(
        f"     < receive orders.eu.replies via {hub.url} (application/json, waited N ms)"
    )
    assert lines[came + 1 : came + 4] == [
        "     < ",
        f'     < {{"requestId":"{rid}","orderId":"o-book","status":"accepted"}}',
        "ok   order/confirmed  receive orders.eu.replies  waited N ms  attempt 1  N ms",
    ]
    assert "?" not in done.stdout and "= output" not in done.stdout  # no trace without --trace


def test_trace_shows_the_message_values_criteria_and_outputs_read(
    hub: WsHub, tmp_path: Path
) -> None:
    done = arazzo(*order(hub, tmp_path, "book", "--trace"))
    assert done.returncode == 0, done.stderr
    lines = [MS.sub("N ms", line) for line in done.stdout.splitlines()]
    place = lines.index("ok   order/place  send orders.create  attempt 1  N ms")
    assert lines[place - 2 : place] == [
        "     ? successCriteria (none): passed, the message was sent",
        '     = output sentItem: $message.payload#/item -> "book"',
    ]
    assert "$statusCode" not in done.stdout  # a message step has none
    confirmed = lines.index(
        "ok   order/confirmed  receive orders.eu.replies  waited N ms  attempt 1  N ms"
    )
    assert lines[confirmed - 4 : confirmed] == [
        "     ? successCriteria `$message.payload#/status == 'accepted'`: passed",
        '         $message.payload#/status == \'accepted\'  ->  "accepted" == "accepted": true',
        '     = output orderId: $message.payload#/orderId -> "o-book"',
        '     = output status: $message.payload#/status -> "accepted"',
    ]
    # --trace, like for HTTP steps, does not imply -v: the messages need -v
    assert "> send" not in done.stdout and "< receive" not in done.stdout


def test_verbose_and_trace_together_put_the_message_before_what_read_it(
    hub: WsHub, tmp_path: Path
) -> None:
    done = arazzo(*order(hub, tmp_path, "book", "-v", "--trace"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    taken = out.index("     < receive orders.eu.replies via ")
    judged = out.index("     ? successCriteria `$message.payload#/status == 'accepted'`: passed")
    assert out.index("     = requestBody: ") < out.index("     > send orders.create via ")
    assert taken < judged < out.index("ok   order/confirmed  receive orders.eu.replies")


def test_a_rejected_answer_shows_the_message_and_the_value_that_failed(
    hub: WsHub, tmp_path: Path
) -> None:
    done = arazzo(*order(hub, tmp_path, "nothing", "--trace"))
    assert done.returncode == 1
    assert step_lines(done.stdout) == [
        "ok   order/place  send orders.create  attempt 1  N ms",
        "FAIL order/confirmed  receive orders.eu.replies  waited N ms  attempt 1  N ms",
    ]
    assert (
        '         $message.payload#/status == \'accepted\'  ->  "rejected" == "accepted": false'
        in done.stdout.splitlines()
    )
    assert "(message received on 'orders.eu.replies')" in done.stderr


def test_a_receive_that_gets_nothing_fails_naming_the_channel_and_the_wait(
    hub: WsHub, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    args = order(hub, tmp_path, "silent", "--report", f"junit={junit}", timeout=300)
    rid = args[args.index("--input") + 1].removeprefix("requestId=")
    done = arazzo(*args)
    assert done.returncode == 1
    lines = [MS.sub("N ms", line) for line in done.stdout.splitlines()]
    fail = lines.index(
        "FAIL order/confirmed  receive orders.{region}.replies (orderReplies)  no message"
        "  attempt 1  N ms"
    )
    error = done.stdout.splitlines()[fail + 1]
    assert error.startswith(
        "     step 'confirmed' of workflow 'order': timeout: the step's timeout of 300 ms "
        f"expired (no message with correlationId '{rid}' came on channel 'orders.eu.replies' "
        f"on {hub.url} within 0."
    ), error
    assert error.endswith(" s; 1 other message(s) came that did not match)")
    assert done.stderr.startswith("error: step 'confirmed' of workflow 'order': timeout: ")

    (suite,) = check_junit(junit.read_text())
    cases = {c.get("name"): c for c in suite}
    assert cases["place"].findtext("system-out") == "attempt 1: passed (send orders.create)"
    confirmed = cases["confirmed"]
    assert confirmed.findtext("system-out") == "attempt 1: failed (receive: no message)"
    failure = confirmed.find("failure")
    assert failure is not None
    assert "came on channel 'orders.eu.replies'" in (failure.get("message") or "")
    assert (failure.text or "").splitlines()[-2:] == [
        "message:",
        "  (none came): receive orders.{region}.replies (orderReplies)",
    ]


# -- reports, through the real command line -------------------------------------------------


def test_the_json_trace_and_junit_record_each_message(hub: WsHub, tmp_path: Path) -> None:
    report, junit = tmp_path / "trace.json", tmp_path / "junit.xml"
    args = order(hub, tmp_path, "slow", "--report", f"json={report}", "--report", f"junit={junit}")
    rid = args[args.index("--input") + 1].removeprefix("requestId=")
    done = arazzo(*args)
    assert done.returncode == 0, done.stderr
    steps = json.loads(report.read_text())["steps"]
    assert [(s["stepId"], s["attempt"], s["succeeded"]) for s in steps] == [
        ("place", 1, True),
        ("confirmed", 1, False),
        ("confirmed", 2, True),
    ]
    assert steps[0]["request"] is None and steps[0]["response"] is None
    assert steps[0]["statusCode"] is None
    assert steps[0]["message"] == {
        "action": "send",
        "channel": "orders.create",
        "server": hub.url,
        "headers": {"X-Request-Id": rid},
        "contentType": "application/json",
        "payload": f'{{"requestId":"{rid}","item":"slow"}}',
        "waited": None,
    }
    pending, accepted = steps[1]["message"], steps[2]["message"]
    assert pending["payload"] == f'{{"requestId":"{rid}","status":"pending"}}'
    assert accepted["payload"] == f'{{"requestId":"{rid}","orderId":"o-slow","status":"accepted"}}'
    for taken in (pending, accepted):
        assert (taken["action"], taken["channel"], taken["server"]) == (
            "receive",
            "orders.eu.replies",
            hub.url,
        )
        assert (taken["headers"], taken["contentType"]) == ({}, "application/json")
        assert 0 <= taken["waited"] < 5
    assert accepted["waited"] > 0.1  # the accepted answer comes 0.2 s after the pending one
    assert steps[1]["criteria"][0]["terms"][0]["leftValue"] == "pending"

    (suite,) = check_junit(junit.read_text())
    notes = {c.get("name"): MS.sub("N ms", c.findtext("system-out") or "") for c in suite}
    assert notes == {
        "place": "attempt 1: passed (send orders.create)",
        "confirmed": (
            "attempt 1: failed (receive orders.eu.replies, waited N ms) (recovered by onFailure)\n"
            "attempt 2: passed (receive orders.eu.replies, waited N ms)"
        ),
    }


def test_a_credential_in_a_message_is_masked_in_every_view(hub: WsHub, tmp_path: Path) -> None:
    secret = f"s3cret-{request_id()}"
    report, junit = tmp_path / "trace.json", tmp_path / "junit.xml"
    args = order(hub, tmp_path, "book", "-v", "--trace", "--auth", f"login={secret}")
    args[args.index("--input") + 1] = f"requestId={secret}"
    done = arazzo(*args, "--report", f"json={report}", "--report", f"junit={junit}")
    assert done.returncode == 0, done.stderr  # the real value still correlates the answer
    assert "     > X-Request-Id: ***" in done.stdout.splitlines()
    assert '     > {"requestId":"***","item":"book"}' in done.stdout.splitlines()
    assert json.loads(report.read_text())["steps"][0]["message"]["headers"] == {
        "X-Request-Id": "***"
    }
    for text in (done.stdout, done.stderr, report.read_text(), junit.read_text()):
        assert secret not in text


# -- the renderers, fed events built by hand -------------------------------------------------


def sent(payload: str = '{"a":1}', **changes: str) -> MessageSent:
    fields = {"channel": "orders.create", "server": "mqtt://broker:1883"} | changes
    return MessageSent(
        "order",
        "place",
        fields["channel"],
        fields["server"],
        (("X-Request-Id", "r-1"),),
        payload,
        "application/json",
    )


def received(payload: str = '{"status":"accepted"}', waited: float = 0.012) -> MessageReceived:
    return MessageReceived(
        "order",
        "confirmed",
        "orders.eu.replies",
        "mqtt://broker:1883",
        (),
        payload,
        "application/json",
        waited,
    )


def test_message_lines_of_a_send_and_a_receive() -> None:
    assert message_lines(sent()) == [
        "> send orders.create via mqtt://broker:1883 (application/json)",
        "> X-Request-Id: r-1",
        "> ",
        '> {"a":1}',
    ]
    assert message_lines(received(waited=0.0456)) == [
        "< receive orders.eu.replies via mqtt://broker:1883 (application/json, waited 46 ms)",
        "< ",
        '< {"status":"accepted"}',
    ]
    assert message_lines(sent(payload="")) == [
        "> send orders.create via mqtt://broker:1883 (application/json)",
        "> X-Request-Id: r-1",
    ]


def test_message_lines_escape_control_characters_and_cut_long_payloads() -> None:
    hostile = sent(payload="line one\nline \x1b[2Jtwo" + "x" * 50, channel="orders.\x1b]0;pwn\x07")
    lines = message_lines(hostile, body_limit=20)
    assert lines == [
        "> send orders.\\x1b]0;pwn\\x07 via mqtt://broker:1883 (application/json)",
        "> X-Request-Id: r-1",
        "> ",
        "> line one",
        "> line \\x1b[2Jtw",
        "> ... (71 characters in the preview)",
    ]
    assert not any("\x1b" in line or "\x07" in line for line in lines)


def test_message_action_reads_a_message_steps_target_only() -> None:
    assert message_action("send orders.create (placeOrder)") == "send"
    assert message_action("receive orders.{region}.replies") == "receive"
    assert message_action("POST /orders (createOrder)") is None
    assert message_action("workflow child") is None
    assert message_action("") is None


def default_criterion(passed: bool = True) -> CriterionEvaluated:
    term = Term("$statusCode in 2xx", None, "$statusCode", None, None, None, passed)
    return CriterionEvaluated(
        "order",
        "place",
        "successCriteria",
        "default",
        "$statusCode >= 200 && $statusCode < 300",
        None,
        passed,
        None,
        (term,),
        phase="successCriteria",
        action=None,
    )


def test_the_default_rule_of_a_message_step_is_not_shown_as_a_status_check() -> None:
    assert criterion_lines(default_criterion(), "receive") == [
        "? successCriteria (none): passed, the message was received"
    ]
    assert criterion_lines(default_criterion(), "send") == [
        "? successCriteria (none): passed, the message was sent"
    ]
    assert criterion_lines(default_criterion()) == [  # an HTTP step keeps its 2xx rule
        "? successCriteria `$statusCode >= 200 && $statusCode < 300`: passed",
        "    $statusCode = null",
    ]


def finished(step_id: str, message: StepMessage | None, error: str | None = None) -> StepFinished:
    result = StepResult(step_id, "order", error is None, None, {}, 1, None, error, message=message)
    return StepFinished("order", step_id, 1, error is None, None, 0.045, error, result)


def receive_run(message: StepMessage | None, error: str | None) -> list[Event]:
    """The events of a one-step receive workflow, as the engine orders them."""
    events: list[Event] = [
        WorkflowStarted("order", ("confirmed",), 0, {}),
        StepStarted("order", "confirmed", 1, "receive orders.{region}.replies (orderReplies)"),
    ]
    if message is not None:
        events.append(received(waited=message.waited))
    events += [
        finished("confirmed", message, error),
        WorkflowFinished("order", 0, error is None, error, {}, 0.05),
    ]
    return events


TAKEN = StepMessage("receive", "orders.eu.replies", {}, {"status": "accepted"}, "x", 0.012)


def test_the_live_view_of_hand_built_message_events() -> None:
    out = io.StringIO()
    view = LiveView(out, verbose=True, redactor=Redactor())
    for event in receive_run(TAKEN, None):
        view(event)
    view.close()
    assert out.getvalue().splitlines() == [
        "     < receive orders.eu.replies via mqtt://broker:1883 (application/json, waited 12 ms)",
        "     < ",
        '     < {"status":"accepted"}',
        "ok   order/confirmed  receive orders.eu.replies  waited 12 ms  attempt 1  45 ms",
    ]


def test_a_send_step_line_and_a_failed_one_without_a_message() -> None:
    out = io.StringIO()
    view = LiveView(out)
    sent_message = StepMessage("send", "orders.create", {}, {}, "application/json")
    view(StepStarted("order", "place", 1, "send orders.create (placeOrder)"))
    view(finished("place", sent_message))
    view(StepStarted("order", "place", 2, "send orders.create (placeOrder)"))
    view(finished("place", None, "sending to channel 'orders.create' on mqtt://b:1: refused"))
    view(StepStarted("order", "http", 1, "GET /items (getItems)"))
    view(finished("http", None, "connection refused"))
    assert out.getvalue().splitlines() == [
        "ok   order/place  send orders.create  attempt 1  45 ms",
        "FAIL order/place  send orders.create (placeOrder)  no message  attempt 1  45 ms",
        "     sending to channel 'orders.create' on mqtt://b:1: refused",
        "FAIL order/http  ---  attempt 1  45 ms",  # an HTTP step's line is as it was
        "     connection refused",
    ]


def test_explain_failure_of_a_receive_shows_the_message_or_that_none_came() -> None:
    error = "step 'confirmed' of workflow 'order': no message came on channel 'orders.eu.replies'"
    trace = RunTrace()
    for event in receive_run(None, error):
        trace(event)
    assert explain_failure(trace) == [
        f"workflow 'order' failed: {error}",
        "",
        "step order/confirmed (attempt 1) failed",
        "message:",
        "  (none came): receive orders.{region}.replies (orderReplies)",
    ]
    rejected = "step 'confirmed' of workflow 'order': successCriteria not met"
    trace = RunTrace()
    for event in receive_run(TAKEN, rejected):
        trace(event)
    assert explain_failure(trace)[2:] == [
        "step order/confirmed (attempt 1) failed",
        "message:",
        "  < receive orders.eu.replies via mqtt://broker:1883 (application/json, waited 12 ms)",
        "  < ",
        '  < {"status":"accepted"}',
    ]
    (suite,) = ET.fromstring(junit_xml(trace))
    (case,) = suite
    assert case.findtext("system-out") == (
        "attempt 1: failed (receive orders.eu.replies, waited 12 ms)"
    )
    step = trace.to_json()["steps"][0]
    assert step["message"]["waited"] == 0.012 and step["message"]["action"] == "receive"
