"""How long a ``retry`` action waits: ``Retry-After`` wins over ``retryAfter``, capped."""

from __future__ import annotations

import datetime
import email.utils
import re
import time

from arazzo_engine.load.plan import ActionPlan
from arazzo_engine.run.context import StepContext

__all__ = ["MAX_RETRY_WAIT", "retry_after_seconds", "retry_delay"]

MAX_RETRY_WAIT = 300.0
"""The longest a retry waits, whatever ``Retry-After`` or ``retryAfter`` ask (seconds)."""

_DELTA_SECONDS = re.compile(r"[0-9]+")
"""RFC 9110 delay-seconds: ASCII digits only (``str.isdigit`` also takes '²', which
``float`` refuses, and '٣', which it reads as 3)."""


def retry_delay(action: ActionPlan, context: StepContext) -> float:
    """Seconds to wait before the retry ``action`` runs after the step in ``context``."""
    delay = action.retry_after or 0.0
    header = context.response_header("Retry-After")
    if header:
        parsed = retry_after_seconds(header)
        if parsed is not None:
            delay = parsed
    return min(max(delay, 0.0), MAX_RETRY_WAIT)


def retry_after_seconds(header: str) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date.

    None when it is neither: RFC 9110 has an invalid value ignored, so the
    retry waits its own ``retryAfter``.
    """
    text = header.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    if not text.isascii():
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:  # "-0000": a date in UTC with no known local offset
            when = when.replace(tzinfo=datetime.timezone.utc)
        return max(when.timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):  # a year, second or zone too large
        return None
