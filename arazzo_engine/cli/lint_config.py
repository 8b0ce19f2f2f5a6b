"""``arazzo validate``'s settings from ``[tool.arazzo]`` in pyproject.toml, and ``--ignore``.

Like ruff, the table is looked for in the nearest ``pyproject.toml`` that has
one, walking up from the current directory, so a project's choices apply in CI
and on every developer's machine without repeating options.  The keys are few
on purpose; any other key is refused, naming the file and the key, so a typo
never silently does nothing.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from arazzo_engine.errors import ConfigurationError, DocumentError
from arazzo_engine.load.local_files import MAX_DOCUMENT_BYTES, read_local_file
from arazzo_engine.validation.rules import RULES, close_rules

__all__ = ["KEYS", "ConfigError", "LintConfig", "find_config", "read_config", "rule_ids"]

KEYS: Mapping[str, str] = {
    "ignore": "a list of rule ids whose findings are not shown (like --ignore)",
    "strict": "true makes warnings errors (like --strict)",
    "allow-remote": "true fetches source descriptions named by http(s) URLs (like --allow-remote)",
}
"""Every key ``[tool.arazzo]`` may hold, with what it does."""


class ConfigError(ConfigurationError):
    """The pyproject.toml settings or a ``validate`` argument are wrong; the message says how."""


@dataclass(frozen=True)
class LintConfig:
    """What ``[tool.arazzo]`` sets; ``file`` is None when no table was found."""

    file: Path | None = None
    ignore: tuple[str, ...] = ()
    strict: bool = False
    allow_remote: bool = False


def rule_ids(values: Iterable[str], where: str) -> tuple[str, ...]:
    """Rule ids from ``values`` (each may list several, comma-separated), all known.

    ``where`` names the option or key in the message for an unknown id.
    """
    found: list[str] = []
    for value in values:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                continue
            if name not in RULES:
                close = close_rules(name)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                raise ConfigError(
                    f"{where}: '{name}' is not a rule id; {hint}"
                    "each finding names its rule in brackets, and every rule id is listed "
                    "in arazzo_engine/validation/rules.py"
                )
            found.append(name)
    return tuple(dict.fromkeys(found))


def find_config(start: Path) -> LintConfig:
    """The settings of the nearest pyproject.toml at or above ``start`` with ``[tool.arazzo]``."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _table(candidate)
            if table is not None:
                return read_config(candidate, table)
    return LintConfig()


TABLE_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*arazzo\s*[\].]", re.MULTILINE)


def _toml() -> ModuleType | None:
    """The TOML reader: ``tomllib`` (Python 3.11+), else ``tomli`` when installed."""
    for name in ("tomllib", "tomli"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _table(path: Path) -> Mapping[str, Any] | None:
    try:
        text = read_local_file(path, limit=MAX_DOCUMENT_BYTES, what="file").decode("utf-8")
    except DocumentError as error:
        raise ConfigError(f"{path}: {error}; fix it or pass --no-config") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; fix it or pass --no-config") from None
    toml = _toml()
    if toml is None:
        if TABLE_HEADER.search(text) is None:
            return None
        raise ConfigError(
            f"{path}: reading [tool.arazzo] on Python 3.10 needs the tomli package "
            "(pip install tomli), or pass --no-config"
        )
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}; fix it or pass --no-config") from None
    tool = data.get("tool")
    if not isinstance(tool, Mapping) or "arazzo" not in tool:
        return None
    table = tool["arazzo"]
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [tool.arazzo] must be a table, like:\n{_EXAMPLE}")
    return table


_EXAMPLE = '[tool.arazzo]\nignore = ["unused-output"]\nstrict = false\nallow-remote = false'


def read_config(path: Path, table: Mapping[str, Any]) -> LintConfig:
    """The ``[tool.arazzo]`` table of ``path`` checked: known keys, right types, known rules."""
    for key in table:
        if key not in KEYS:
            close = [k for k in KEYS if k.replace("-", "_") == key.replace("-", "_").lower()]
            hint = f"did you mean '{close[0]}'? " if close else ""
            known = "; ".join(f"'{k}': {meaning}" for k, meaning in KEYS.items())
            raise ConfigError(
                f"{path}: [tool.arazzo] has an unknown key '{key}'; {hint}the keys are {known}"
            )
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(item, str) for item in ignore):
        raise ConfigError(
            f"{path}: [tool.arazzo] ignore must be a list of rule ids, "
            'like ignore = ["unused-output"]'
        )
    flags: dict[str, bool] = {}
    for key in ("strict", "allow-remote"):
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: [tool.arazzo] {key} must be true or false, got {value!r}")
        flags[key] = value
    return LintConfig(
        file=path,
        ignore=rule_ids(ignore, f"{path}: [tool.arazzo] ignore"),
        strict=flags["strict"],
        allow_remote=flags["allow-remote"],
    )
