"""Masking cost: Redactor.text on what events carry (a URL, a header, a 4 KB and a 1 MB body).

The redactor runs on every display field of every event, so it must stay
cheap with several credentials (each searched in all its encoded forms).
Run: .venv/bin/python bench/bench_redaction.py
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure

from arazzo_engine.redaction import Redactor

SECRETS = ["Key 3f9a1c7e-52b4-4d0e-9a61-0c2b7e8d4f11", "sk_live_51HxY2eZvKYlo2C", "ann:pä/ss"]

FIELDS = {
    "url (70 chars)": "https://api.example.com/v1/orders/o-123?expand=items&api_key=abc123def",
    "header (40 chars)": "application/json; charset=utf-8; q=0.9",
    "body (4 KB)": '{"items": [' + ", ".join(['{"id": 1, "name": "w"}'] * 180) + "]}",
    "body (1 MB)": "x" * 1_000_000,
}


def main() -> None:
    redactor = Redactor(SECRETS)
    for name, text in FIELDS.items():
        number = 200 if len(text) > 100_000 else 20_000
        number = max(1, number // 100) if QUICK else number
        best = min(timeit.repeat(lambda t=text: redactor.text(t), number=number, repeat=5))
        print(f"{name:18s} {best / number * 1e6:10.2f} us")
        if name == "body (4 KB)":
            figure("masking a 4 KB body, 3 secrets", f"{best / number * 1e6:.1f} us")
    build = min(timeit.repeat(lambda: Redactor(SECRETS), number=200, repeat=3)) / 200
    print(f"{'build (3 secrets)':18s} {build * 1e6:10.2f} us (once per engine)")


if __name__ == "__main__":
    main()
