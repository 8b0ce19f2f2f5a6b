"""``arazzo list`` and ``arazzo run`` on a document with errors: what can be listed and run is.

``list`` shows every workflow, marks those an error reaches, prints the errors
after and exits 2; ``run`` runs a workflow no error reaches (the other errors
printed on stderr as a warning) and refuses one they reach.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from arazzo_engine.cli.main import main
from tests.http_server import RecordingServer, Reply
from tests.scoped_documents import Doc, break_coupon_step, shop_flow


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_list_of_a_valid_document_exits_0_and_marks_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "list", str(shop_flow(tmp_path)))
    assert code == 0, err
    assert "blocked" not in out and err == ""
    assert out.splitlines()[0] == "apply-coupon  Find a pet, its coupon, and order it."


def test_list_shows_every_workflow_marks_the_blocked_and_prints_the_errors_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shop_flow(tmp_path, break_coupon_step)
    code, out, err = cli(capsys, "list", str(path))
    assert code == 2
    lines = out.splitlines()
    assert lines[0] == "apply-coupon  Find a pet, its coupon, and order it.  (blocked: 1 error)"
    assert lines[1:] == [
        "buy-available-pet  Order the first available pet.",
        "place-order",
        "    --input pet_id=<integer>",
    ]
    assert f"{path}:" in err and "[path-parameter]" in err and "#/workflows/0/steps/1" in err
    assert err.rstrip().endswith(
        f"{path}: 1 error blocks 1 of 3 workflows (arazzo validate lists every finding)"
    )


def test_list_counts_every_error_a_workflow_reaches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(flow: Doc) -> None:
        break_coupon_step(flow)
        flow["workflows"][2]["steps"][0]["operationId"] = "placeOrdr"

    code, out, err = cli(capsys, "list", str(shop_flow(tmp_path, change)))
    assert code == 2
    assert "apply-coupon  Find a pet, its coupon, and order it.  (blocked: 2 errors)" in out
    assert "buy-available-pet  Order the first available pet.  (blocked: 1 error)" in out
    assert "place-order  (blocked: 1 error)" in out
    assert "2 errors block 3 of 3 workflows" in err


def test_list_of_a_document_with_nothing_to_list_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(flow: Doc) -> None:
        flow["workflows"] = []

    code, out, err = cli(capsys, "list", str(shop_flow(tmp_path, change)))
    assert code == 2 and out == ""
    assert "[min-items]" in err


def test_run_of_a_runnable_workflow_warns_about_the_other_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], http_server: RecordingServer
) -> None:
    http_server.route("POST", "/orders", Reply(200, {"id": "o-9"}))
    path = shop_flow(tmp_path, break_coupon_step)
    argv = ["run", str(path), "-w", "place-order", "--input", "pet_id=4"]
    code, out, err = cli(capsys, *argv, "--server", f"shop={http_server.url}", "--json")
    assert code == 0, err
    assert json.loads(out)["outputs"] == {"order_id": "o-9"}
    assert http_server.requests[0].json() == {"petId": 4, "status": "placed"}
    assert (
        f"warning: {path} has 1 error that workflow 'place-order' does not reach; "
        "running it anyway:"
    ) in err
    assert "[path-parameter]" in err


def test_run_of_a_blocked_workflow_exits_2_naming_what_blocks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], http_server: RecordingServer
) -> None:
    path = shop_flow(tmp_path, break_coupon_step)
    code, out, err = cli(
        capsys, "run", str(path), "-w", "apply-coupon", "--server", f"shop={http_server.url}"
    )
    assert code == 2 and out == ""
    assert err.startswith("workflow 'apply-coupon' cannot run: it reaches 1 error")
    assert "no error reaches: 'buy-available-pet', 'place-order'" in err
    assert "#/workflows/0/steps/1" in err
    assert http_server.requests == []
