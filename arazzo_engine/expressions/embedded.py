"""Runtime expressions embedded in regex, JSONPath and XPath conditions (Arazzo 1.1).

Arazzo 1.1 (section "Condition Evaluation") lets a non-simple condition hold
runtime expressions in braces, evaluated first and substituted into the text:
``^({$inputs.statusPattern})$`` or ``$[?(@.status == "{$inputs.expectedStatus}")]``.
:func:`split_embedded` finds them and returns the condition as a
:class:`~arazzo_engine.expressions.ast.Template`: literal text and 1.1
expressions, in order.  Evaluating it substitutes each value by the 1.1
conversion rules (strings as they are, other scalars in their JSON form,
structures as compact JSON; see
:func:`~arazzo_engine.expressions.evaluate.to_text`), and the result is the
condition to run.

Where an embedded expression starts and ends
--------------------------------------------
* Only ``{$`` opens one, so a regex keeps its quantifiers (``^2\\d{2}$``) and
  an XPath its map constructors; the 1.1 ABNF forbids literal braces, which
  these languages cannot do without.
* A ``{`` escaped with a backslash is literal, as these languages write it:
  ``^\\{$`` is a regex for a line that ends in ``{``.  Two backslashes are one
  escaped backslash, so the ``{`` after ``\\\\`` opens an expression again.
* An expression ends at the first ``}``; its text must parse as an Arazzo 1.1
  runtime expression, else :class:`~arazzo_engine.errors.ExpressionSyntaxError`
  points into the whole condition.

Substituted values are not escaped for the condition's language: a value
holding regex metacharacters or quotes changes the condition's meaning.
"""

from __future__ import annotations

from functools import lru_cache

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions.ast import RuntimeExpression, Template
from arazzo_engine.expressions.parser import parse_expression

__all__ = ["split_embedded"]


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd number of backslashes."""
    count = 0
    while at - count - 1 >= 0 and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1


@lru_cache(maxsize=1024)
def _split(text: str) -> Template:
    parts: list[str | RuntimeExpression] = []
    literal_from = 0
    search_from = 0
    while (at := text.find("{$", search_from)) >= 0:
        if _escaped(text, at):
            search_from = at + 1
            continue
        close = text.find("}", at + 2)
        if close < 0:
            raise ExpressionSyntaxError(
                text,
                at + 1,
                "this '{$' has no closing '}' to end the embedded expression "
                "(write '\\{' for a literal brace)",
            )
        try:
            expression = parse_expression(text[at + 1 : close], version="1.1")
        except ExpressionSyntaxError as exc:
            raise ExpressionSyntaxError(text, at + 1 + exc.column, exc.reason) from None
        if at > literal_from:
            parts.append(text[literal_from:at])
        parts.append(expression)
        literal_from = search_from = close + 1
    if literal_from < len(text):
        parts.append(text[literal_from:])
    return Template(tuple(parts))


def split_embedded(condition: str) -> Template:
    """The regex, JSONPath or XPath ``condition`` of an Arazzo 1.1 criterion, split into
    literal text and the runtime expressions embedded in it as ``{$...}``.

    A condition without any is one literal part (or none when it is empty).
    """
    if not isinstance(condition, str):
        raise TypeError(f"a condition must be a str, not {type(condition).__name__}")
    return _split(condition)
