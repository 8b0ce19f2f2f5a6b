"""What the oldest supported Python (3.10) lacks, defined once for the whole package.

``assert_never`` closes every ``match`` over a closed union (the expression AST,
for one): mypy reports the call as an error when a member of the union has no
branch, so a new node kind cannot be forgotten silently.  ``typing`` has it from
Python 3.11; on 3.10 the function below behaves the same.
"""

from __future__ import annotations

import sys

__all__ = ["assert_never"]

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - exercised only on Python 3.10
    from typing import NoReturn

    def assert_never(value: NoReturn, /) -> NoReturn:
        """Fail on a value that the type checker proved cannot reach this call."""
        raise AssertionError(f"Expected code to be unreachable, but got: {value!r}")
