"""The load benchmarks run and print their figures (small sizes; nothing is timed here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OPENAPI = """\
openapi: 3.0.3
info: {title: tiny, version: '1'}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: a thing}}
"""

GOOD = """\
arazzo: 1.0.1
info: {title: good, version: '1'}
sourceDescriptions: [{name: things, url: 'https://example.invalid/things.yaml', type: openapi}]
workflows:
- workflowId: one
  steps:
  - {stepId: get, operationId: getThing, parameters: [{name: id, in: path, value: x}]}
"""

BAD = """\
arazzo: 1.0.1
info: {title: bad, version: '1'}
sourceDescriptions: [{name: things, url: things.openapi.yaml, type: openapi}]
workflows:
- workflowId: one
  steps:
  - {stepId: get, operationId: noSuchOperation}
"""


def bench(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_load_prints_both_chains_and_the_first_load() -> None:
    out = bench("bench_load.py", "--steps", "4", "--rounds", "1")
    assert "load peer chain (GET/POST, bodies, regex + JSONPath), 4 steps" in out
    assert "load GET-only chain, 4 steps" in out
    assert out.count("(target < 50 ms: set for 100 steps)") == 2
    assert "first load of the peer chain in a fresh process" in out


def test_bench_corpus_load_reads_a_corpus_of_the_same_layout(tmp_path: Path) -> None:
    docs = tmp_path / "docs" / "someone__repo"
    docs.mkdir(parents=True)
    (docs / "good.arazzo.yaml").write_text(GOOD)
    (docs / "bad.arazzo.yaml").write_text(BAD)
    (docs / "things.openapi.yaml").write_text(OPENAPI)
    (tmp_path / "MANIFEST.tsv").write_text(
        "local_path\trepo\tpath_in_repo\tcommit\tkind\n"
        "docs/someone__repo/good.arazzo.yaml\tsomeone/repo\tgood.arazzo.yaml\tabc\tarazzo\n"
        "docs/someone__repo/bad.arazzo.yaml\tsomeone/repo\tbad.arazzo.yaml\tabc\tarazzo\n"
        "docs/someone__repo/things.openapi.yaml\tsomeone/repo\tthings.openapi.yaml\tabc\topenapi\n"
    )
    # the good document's remote source is read from its local copy
    (tmp_path / "source-overrides.tsv").write_text(
        "someone__repo/good.arazzo.yaml\tthings\tsomeone__repo/things.openapi.yaml\n"
    )
    out = bench("bench_corpus_load.py", "--corpus", str(tmp_path))
    assert "load 2 real-world documents (1 accepted, 1 rejected) in one process" in out
    assert "  someone__repo/good.arazzo.yaml" in out
    assert "  someone__repo/bad.arazzo.yaml" in out
    assert "over 0.25 s: " in out  # the count, whatever the machine makes of it


def test_bench_corpus_load_says_when_the_corpus_is_absent(tmp_path: Path) -> None:
    out = bench("bench_corpus_load.py", "--corpus", str(tmp_path / "absent"))
    assert out.startswith(f"skipped: {tmp_path / 'absent'} is absent")
