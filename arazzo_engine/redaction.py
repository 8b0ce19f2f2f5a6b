"""Keeping credential values out of every message, log record and report."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import quote

__all__ = ["MASK", "Redactor"]

MASK = "***"


class Redactor:
    """Replaces known secret values (and their encoded forms) with ``***``."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        found: set[str] = set()
        for secret in secrets:
            if len(secret) < 3:
                continue
            found.add(secret)
            found.add(quote(secret, safe=""))
            found.add(base64.b64encode(secret.encode("utf-8")).decode("ascii"))
        # Longest first, so a secret containing another is masked whole.
        self._secrets = tuple(sorted(found, key=len, reverse=True))

    def text(self, value: str) -> str:
        """The text with every secret masked."""
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def __repr__(self) -> str:
        return f"<Redactor of {len(self._secrets)} values>"
