"""The batch progress display on a fake clock: the plain lines when piped, the bar on a terminal."""

from __future__ import annotations

import io

from arazzo_engine.cli.batch import Progress, render_bar, render_status


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_status_line_counts_rate_and_eta() -> None:
    assert render_status(0, 10, 0, 4, 0, 0.0) == "done 0/10  failed 0  in flight 4"
    assert (
        render_status(3, 10, 1, 4, 3, 1.2)
        == "done 3/10  failed 1  in flight 4  2.5 runs/s  ETA 3 s"
    )
    # The rate counts only this invocation's runs; resumed rows count as done.
    assert render_status(6, 10, 0, 2, 1, 2.0).endswith("0.5 runs/s  ETA 8 s")
    assert render_status(0, 1000, 0, 8, 1, 1.0).endswith("ETA 16 min 40 s")
    assert render_status(1, 100000, 0, 8, 1, 1.0).endswith("ETA 27 h 46 min")


def test_the_bar_fills_with_the_rows_done() -> None:
    assert render_bar(0, 8, 0, 2, 0, 0.0, width=8) == "[--------] done 0/8  failed 0  in flight 2"
    assert render_bar(4, 8, 1, 2, 4, 2.0, width=8).startswith("[####----] done 4/8  failed 1")
    assert render_bar(8, 8, 0, 0, 8, 2.0, width=8).startswith("[########] done 8/8")


def test_piped_a_plain_line_at_the_first_finish_then_at_most_once_per_interval() -> None:
    clock, stream = Clock(), io.StringIO()
    progress = Progress(stream, 5, clock=clock, interval=1.0)
    progress.started(2)
    progress.show()  # nothing has finished and no second has passed: nothing
    assert stream.getvalue() == ""
    clock.now += 0.5
    progress.started()  # the next run starts as this one ends
    progress.finished(True)
    assert stream.getvalue() == "done 1/5  failed 0  in flight 2  2.0 runs/s  ETA 2 s\n"
    clock.now += 0.4
    progress.finished(False)  # within the second: not shown
    assert stream.getvalue().count("\n") == 1
    clock.now += 0.6
    progress.show()  # the timer: a second since the last line
    assert (
        stream.getvalue().splitlines()[-1] == "done 2/5  failed 1  in flight 1  1.3 runs/s  ETA 2 s"
    )
    progress.close("out.jsonl")
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert (
        text.splitlines()[-1]
        == "batch: 2/5 rows done, 1 succeeded, 1 failed; 2 run in 1.5 s, 1.3 runs/s"
    )


def test_piped_a_line_every_interval_while_nothing_finishes() -> None:
    clock, stream = Clock(), io.StringIO()
    progress = Progress(stream, 3, clock=clock)
    progress.started(3)
    clock.now += 1.0
    progress.show()
    clock.now += 0.5
    progress.show()
    clock.now += 0.5
    progress.show()
    assert stream.getvalue().splitlines() == ["done 0/3  failed 0  in flight 3"] * 2


def test_a_resumed_batch_counts_the_rows_already_done_and_says_where() -> None:
    clock, stream = Clock(), io.StringIO()
    progress = Progress(stream, 10, done=6, failed=1, clock=clock)
    progress.started(4)
    clock.now += 2.0
    for _ in range(4):
        progress.finished(True)
    progress.close("results.jsonl")
    assert stream.getvalue().splitlines()[-1] == (
        "batch: 10/10 rows done, 9 succeeded, 1 failed; 4 run in 2.0 s, 2.0 runs/s; "
        "6 already in results.jsonl"
    )


def test_interrupted_the_summary_says_how_to_continue() -> None:
    clock, stream = Clock(), io.StringIO()
    progress = Progress(stream, 4, clock=clock)
    progress.close("out.jsonl", interrupted=True)
    assert stream.getvalue() == (
        "interrupted: 0/4 rows done, 0 succeeded, 0 failed; 0 run in 0.0 s; "
        "rerun with --output out.jsonl to continue\n"
    )


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_cleared_for_other_lines() -> None:
    clock, stream = Clock(), io.StringIO()
    progress = Progress(stream, 4, clock=clock, interactive=True)
    progress.started(2)
    progress.show()
    assert (
        stream.getvalue() == "\r\x1b[2K[------------------------] done 0/4  failed 0  in flight 2"
    )
    clock.now += 1.0
    progress.finished(True)
    assert stream.getvalue().endswith(
        "\r\x1b[2K[######------------------] done 1/4  failed 0  in flight 1  1.0 runs/s  ETA 3 s"
    )
    before = len(stream.getvalue())
    progress.above(lambda: stream.write('{"row": 0}\n'))
    written = stream.getvalue()[before:]
    assert written.startswith('\r\x1b[2K{"row": 0}\n\r\x1b[2K[######')
    progress.close(None)
    assert stream.getvalue().endswith(
        "\r\x1b[2Kbatch: 1/4 rows done, 1 succeeded, 0 failed; 1 run in 1.0 s, 1.0 runs/s\n"
    )


def test_piped_other_lines_are_written_as_they_are() -> None:
    stream = io.StringIO()
    progress = Progress(stream, 1, clock=Clock())
    progress.above(lambda: stream.write("line\n"))
    assert stream.getvalue() == "line\n"
