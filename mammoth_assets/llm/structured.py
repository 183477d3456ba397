"""Structured-output helpers shared by every backend (no decoding library imported here, so the
optional vLLM environment and the openai backend can use them too).

- `strict_schema`: the schema every backend enforces. Objects that do not say otherwise get
  `additionalProperties: false`, as in OpenAI's strict mode and xgrammar's strict mode (vLLM's
  default backend), so the local decoder, a vLLM server and a hosted API accept the same outputs.
  The caller's schema (and so the cache key) is never changed.
- `check_text`: validation of a finished answer (JSON Schema by the `jsonschema` library, regex by
  `re`), which every backend's answer goes through, constrained or not.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema

_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` where every object schema without `additionalProperties` forbids extra
    properties. Free-form objects (no `properties` at all) stay free-form."""
    return _strict(copy.deepcopy(schema))


def _strict(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    for key in _SUBSCHEMA_MAPS:
        if isinstance(node.get(key), dict):
            for name in node[key]:
                node[key][name] = _strict(node[key][name])
    for key in _SUBSCHEMA_LISTS:
        if isinstance(node.get(key), list):
            node[key] = [_strict(sub) for sub in node[key]]
    for key in ("items", "additionalProperties", "not", "if", "then", "else"):
        if isinstance(node.get(key), dict):
            node[key] = _strict(node[key])
    return node


def schema_problem(value: Any, schema: dict[str, Any]) -> str | None:
    """The most relevant violation of `schema` by `value` (as `$.path: message`), or None."""
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    error = jsonschema.exceptions.best_match(validator_class(schema).iter_errors(value))
    if error is None:
        return None
    where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{where}: {error.message[:300]}"


def check_text(text: str, json_schema: dict | None, regex: str | None) -> tuple[Any, str | None]:
    """(parsed JSON or None, error or None) for a finished text under its constraint."""
    if json_schema is not None:
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, TypeError) as error:
            return None, f"output is not valid JSON: {error}"
        problem = schema_problem(value, json_schema)
        return (value, None) if problem is None else (value, f"output violates schema: {problem}")
    if regex is not None:
        try:
            matched = re.fullmatch(regex, text, flags=re.DOTALL) is not None
        except re.error:
            matched = True  # a pattern only the decoding library reads; decoding already enforced it
        if not matched:
            return None, f"output does not match regex {regex!r}"
    return None, None
