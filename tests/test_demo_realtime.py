"""`make demo-realtime` runs: each frame is printed as it is sent or received, in order."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_realtime_demo_prints_each_frame_and_every_image() -> None:
    done = subprocess.run(
        [sys.executable, "fixtures/fal/demo_realtime.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    frames = re.findall(r"^\s+\+\s*\d+\.\d{3}s\s+(sent|received)\s", done.stdout, re.MULTILINE)
    assert frames == ["sent", "received"] * 3
    assert [line for line in lines if line.startswith("image ")] == [
        line
        for line in lines
        if re.fullmatch(r"image \d: http://127\.0\.0\.1:\d+/files/demo-\d-\d\.png", line)
    ]
    assert len([line for line in lines if line.startswith("image ")]) == 3
    waits = [int(w) for w in re.findall(r"\(waited (\d+) ms\)", done.stdout)]
    assert len(waits) == 3 and all(350 <= w < 5000 for w in waits)  # the fake's 0.4 s pause
