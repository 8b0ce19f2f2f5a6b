"""JSON Schema keywords that read patterns, rewritten on bounded patterns.

jsonschema (and openapi-schema-validator on top of it) runs ``pattern``,
``patternProperties``, ``additionalProperties`` and ``unevaluatedProperties``
(both look at ``patternProperties``) on Python's ``re``, which a hostile
pattern hangs.  :func:`bounded_validator` extends a validator class with the
same keywords, same messages, on :func:`~arazzo_engine.patterns.matching.compile_pattern`.
A pattern that runs out of time, or does not compile, raises out of the
validation (:class:`~arazzo_engine.errors.EvaluationLimitError`,
:class:`~arazzo_engine.errors.PatternError`) rather than giving a verdict: as a
validation error it could be turned into a pass by ``not`` or ``anyOf``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from arazzo_engine.patterns.matching import compile_pattern

# jsonschema is imported by the functions that use it, which only a validation
# (already holding it) calls: importing this module costs nothing more.

__all__ = ["bounded_validator"]

Validator = Any
"""A jsonschema validator instance or class."""


def _matches(pattern: Any, text: str) -> bool:
    return compile_pattern(str(pattern)).search(text)


def _pattern(validator: Validator, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Validator, patterns: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _matched_by_patterns(key: str, schema: Mapping[str, Any]) -> bool:
    patterns = schema.get("patternProperties")
    return isinstance(patterns, Mapping) and any(_matches(p, key) for p in patterns)


def _additional(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """The members neither ``properties`` nor ``patternProperties`` cover, in order."""
    properties = schema.get("properties", {})
    return [
        key for key in instance if key not in properties and not _matched_by_patterns(key, schema)
    ]


def _listed(keys: list[str]) -> str:
    verb = "was" if len(keys) == 1 else "were"
    return f"{', '.join(repr(key) for key in keys)} {verb}"


def _additional_properties(
    validator: Validator, allowed: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    extras = _additional(instance, schema)
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        from jsonschema.exceptions import ValidationError

        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(extra) for extra in sorted(extras))
            patterns = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {patterns}")
        else:
            yield ValidationError(
                f"Additional properties are not allowed ({_listed(sorted(extras, key=str))} "
                "unexpected)"
            )


def _unevaluated_properties(
    validator: Validator, unevaluated: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    rejected = [
        key
        for key in instance
        if key not in evaluated
        and any(True for _ in validator.descend(instance[key], unevaluated, path=key))
    ]
    if not rejected:
        return
    from jsonschema.exceptions import ValidationError

    if unevaluated is False:
        listed = _listed(sorted(rejected, key=str))
        yield ValidationError(f"Unevaluated properties are not allowed ({listed} unexpected)")
    else:
        yield ValidationError(
            "Unevaluated properties are not valid under the given schema "
            f"({_listed(rejected)} unevaluated and invalid)"
        )


def _evaluated_keys(validator: Validator, instance: Any, schema: Any) -> set[str]:
    """The members of ``instance`` some keyword of ``schema`` evaluates (JSON Schema 2020-12)."""
    if validator.is_type(schema, "boolean") or not isinstance(schema, Mapping):
        return set()
    keys: set[str] = set()
    for keyword in ("$ref", "$dynamicRef"):
        reference = schema.get(keyword)
        if reference is not None:
            resolved = validator._resolver.lookup(reference)
            inner = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            keys |= _evaluated_keys(inner, instance, resolved.contents)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        keys |= properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        subschema = schema.get(keyword)
        if subschema is not None:
            keys |= {key for key, value in instance.items() if _valid(validator, value, subschema)}
    patterns = schema.get("patternProperties")
    if isinstance(patterns, Mapping):
        keys |= {key for key in instance if any(_matches(p, key) for p in patterns)}
    dependents = schema.get("dependentSchemas")
    if isinstance(dependents, Mapping):
        for name, subschema in dependents.items():
            if name in instance:
                keys |= _evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if _valid(validator, instance, subschema):
                keys |= _evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys |= _evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys |= _evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys |= _evaluated_keys(validator, instance, schema["else"])
    return keys


def _valid(validator: Validator, instance: Any, subschema: Any) -> bool:
    return not any(True for _ in validator.descend(instance, subschema))


_BOUNDED = {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "unevaluatedProperties": _unevaluated_properties,
}


def bounded_validator(cls: Any) -> Any:
    """``cls`` extended so that every keyword it has that reads a pattern reads it bounded."""
    from jsonschema.validators import extend

    replaced = {name: check for name, check in _BOUNDED.items() if name in cls.VALIDATORS}
    return extend(cls, replaced)  # type: ignore[no-untyped-call, unused-ignore]
