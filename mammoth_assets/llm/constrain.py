"""Token-level constrained decoding: a JSON schema or a regex becomes a character DFA, and each
decoding step may only pick tokens that keep the text inside the language.

Why home-made: the stages that need structure (AlpaGasus scores on the first line, yes/no domain
verdicts, JSON QA extraction) must get well-formed output even from a random tiny model, and must
*terminate* inside `max_tokens`. Every DFA state knows its distance (in characters) to an accepting
state; a token is allowed only if, after it, the remaining token budget still covers that distance.
With byte-level tokenizers every character is also a single token, so the budget always suffices
and a random model under a schema still ends with parseable JSON.

The allowed-token sets are computed lazily per DFA state by stepping every token through a dense
transition table at once (numpy), and cached, so the per-step cost after warm-up is one dictionary
lookup plus a vectorised mask.

Limits: tokens that spell only part of a UTF-8 character (and tokens over 48 characters) are never
chosen under a constraint; the budget rule counts characters, so `max_tokens` must cover the
shortest valid output in characters (a clear error says so when it does not).
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any, Sequence

import interegular
import numpy as np
from interegular.fsm import anything_else


class ConstraintError(ValueError):
    pass


# -- JSON schema -> regex ------------------------------------------------------------------------
_STRING_CHAR = r'([^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})'
_INTEGER = r"-?(0|[1-9][0-9]{0,17})"
_NUMBER = r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE][+-]?[0-9]{1,3})?"
_REGEX_SPECIAL = set(".^$*+?{}[]\\|()/-\"")


def escape(text: str) -> str:
    """Escape a literal for the regex dialect both `re` and `interegular` read."""
    out = []
    for ch in text:
        if ch in _REGEX_SPECIAL:
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def _literal(value: Any) -> str:
    return escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def schema_to_regex(schema: dict[str, Any]) -> str:
    """A regex for compact JSON (no whitespace) matching `schema`.

    Supported: type (or a list of types), object properties (emitted in declared order, all of
    them), string (minLength/maxLength/enum/const/pattern), integer (small minimum..maximum ranges
    become an enumeration), number, boolean, null, array (items, minItems, maxItems), enum, const,
    anyOf/oneOf. `$ref` and free-form objects are refused with a clear error."""
    if not isinstance(schema, dict):
        raise ConstraintError(f"JSON schema must be an object, got {schema!r}")
    if "$ref" in schema:
        raise ConstraintError("JSON schema $ref is not supported by the constrained decoder")
    if "const" in schema:
        return _literal(schema["const"])
    if "enum" in schema:
        return "(" + "|".join(_literal(v) for v in schema["enum"]) + ")"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return "(" + "|".join(schema_to_regex(s) for s in schema[key]) + ")"
    kind = schema.get("type")
    if isinstance(kind, list):
        return "(" + "|".join(schema_to_regex({**schema, "type": k}) for k in kind) + ")"
    if kind == "string":
        return _string_regex(schema)
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None and 0 <= high - low <= 1000:
            return "(" + "|".join(escape(str(v)) for v in range(int(low), int(high) + 1)) + ")"
        return _INTEGER
    if kind == "number":
        return _NUMBER
    if kind == "boolean":
        return "(true|false)"
    if kind == "null":
        return "null"
    if kind == "array":
        return _array_regex(schema)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        if not properties:
            raise ConstraintError("objects without declared properties are not supported")
        fields = [f'"{escape(name)}":' + schema_to_regex(sub) for name, sub in properties.items()]
        return r"\{" + ",".join(fields) + r"\}"
    raise ConstraintError(f"unsupported JSON schema fragment: {schema!r}")


def _string_regex(schema: dict[str, Any]) -> str:
    if "pattern" in schema:
        pattern = schema["pattern"].removeprefix("^").removesuffix("$")
        return f'"({pattern})"'
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    bounds = f"{{{low},{int(high)}}}" if high is not None else ("*" if low == 0 else f"{{{low},}}")
    return f'"{_STRING_CHAR}{bounds}"'


def _array_regex(schema: dict[str, Any]) -> str:
    item = schema_to_regex(schema.get("items") or {"type": "string"})
    low = int(schema.get("minItems", 0))
    high = schema.get("maxItems")
    if high is not None and int(high) == 0:
        return r"\[\]"
    more_low = max(low - 1, 0)
    more = f"{{{more_low},{int(high) - 1}}}" if high is not None else f"{{{more_low},}}"
    if more == "{0,}":
        more = "*"
    body = f"{item}(,{item}){more}"
    return rf"\[({body})?\]" if low == 0 else rf"\[{body}\]"


def validate_json(value: Any, schema: dict[str, Any], where: str = "$") -> str | None:
    """First violation of `schema` by `value` (the subset `schema_to_regex` supports), or None."""
    if "const" in schema:
        return None if value == schema["const"] else f"{where}: expected {schema['const']!r}"
    if "enum" in schema:
        return None if value in schema["enum"] else f"{where}: {value!r} not in enum"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            ok = any(validate_json(value, s, where) is None for s in schema[key])
            return None if ok else f"{where}: matches no {key} alternative"
    kind = schema.get("type")
    if isinstance(kind, list):
        ok = any(validate_json(value, {**schema, "type": k}, where) is None for k in kind)
        return None if ok else f"{where}: not any of {kind}"
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    if kind is None and "properties" in schema:
        kind = "object"
    if kind in checks and not checks[kind](value):
        return f"{where}: expected {kind}, got {type(value).__name__}"
    if kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}: {value} < minimum {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where}: {value} > maximum {schema['maximum']}"
    if kind == "string":
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"{where}: longer than maxLength {schema['maxLength']}"
        if "minLength" in schema and len(value) < schema["minLength"]:
            return f"{where}: shorter than minLength {schema['minLength']}"
    if kind == "array":
        for i, item in enumerate(value):
            problem = validate_json(item, schema.get("items") or {}, f"{where}[{i}]")
            if problem:
                return problem
    if kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                return f"{where}: missing required property {name!r}"
        for name, sub in (schema.get("properties") or {}).items():
            if name in value:
                problem = validate_json(value[name], sub, f"{where}.{name}")
                if problem:
                    return problem
    return None


def check_text(text: str, json_schema: dict | None, regex: str | None) -> tuple[Any, str | None]:
    """(parsed JSON or None, error or None) for a finished text under its constraint."""
    if json_schema is not None:
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, TypeError) as error:
            return None, f"output is not valid JSON: {error}"
        problem = validate_json(value, json_schema)
        return (value, None) if problem is None else (value, f"output violates schema: {problem}")
    if regex is not None:
        try:
            matched = re.fullmatch(regex, text, flags=re.DOTALL) is not None
        except re.error:
            matched = True  # a pattern only interegular reads; the DFA already enforced it
        if not matched:
            return None, f"output does not match regex {regex!r}"
    return None, None


# -- character DFA -------------------------------------------------------------------------------
class CharDFA:
    """A deterministic automaton over characters, pruned to states that can still accept."""

    def __init__(self, pattern: str):
        try:
            fsm = interegular.parse_pattern(pattern).to_fsm()
        except Exception as error:  # interegular raises its own parse errors
            raise ConstraintError(f"cannot compile constraint regex {pattern!r}: {error}") from error
        self.pattern = pattern
        self.alphabet = fsm.alphabet
        self.initial = fsm.initial
        self.finals = frozenset(fsm.finals)
        self.other_symbol = fsm.alphabet[anything_else]
        reverse: dict[Any, set] = {}
        for state, moves in fsm.map.items():
            for target in moves.values():
                reverse.setdefault(target, set()).add(state)
        live = set(self.finals)
        queue = deque(self.finals)
        while queue:
            for source in reverse.get(queue.popleft(), ()):
                if source not in live:
                    live.add(source)
                    queue.append(source)
        if self.initial not in live:
            raise ConstraintError(f"constraint regex {pattern!r} matches nothing")
        self.map = {
            s: {sym: t for sym, t in moves.items() if t in live}
            for s, moves in fsm.map.items()
            if s in live
        }
        self.distance: dict[Any, int] = {}
        # Dense form for vectorised stepping: states 0..n-1, `dead` = n; symbol column `pad` maps
        # every state to itself (positions past the end of a short token).
        self.states = sorted(live, key=repr)
        self.index_of = {state: i for i, state in enumerate(self.states)}
        self.dead = len(self.states)
        symbols = sorted(set(fsm.alphabet.values()))
        self.pad = max(symbols) + 1
        table = np.full((self.dead + 1, self.pad + 1), self.dead, dtype=np.int32)
        for state, moves in self.map.items():
            for symbol, target in moves.items():
                table[self.index_of[state], symbol] = self.index_of[target]
        table[:, self.pad] = np.arange(self.dead + 1, dtype=np.int32)
        self.table = table
        self.start = self.index_of[self.initial]
        self.is_final = np.zeros(self.dead + 1, dtype=bool)
        for state in self.finals & set(self.states):
            self.is_final[self.index_of[state]] = True
        self.distance_array = np.full(self.dead + 1, np.inf)

    def step(self, state: Any, ch: str) -> Any:
        moves = self.map.get(state)
        if moves is None:
            return None
        return moves.get(self.alphabet[ch])

    def has_exits(self, state: Any) -> bool:
        return bool(self.map.get(state))

    def compute_distance(self, usable_symbols: set) -> None:
        """Characters-to-accept per state, using only symbols some single-character token spells."""
        reverse: dict[Any, set] = {}
        for state, moves in self.map.items():
            for symbol, target in moves.items():
                if symbol in usable_symbols:
                    reverse.setdefault(target, set()).add(state)
        distance = {s: 0 for s in self.finals}
        queue = deque(self.finals)
        while queue:
            state = queue.popleft()
            for source in reverse.get(state, ()):
                if source not in distance:
                    distance[source] = distance[state] + 1
                    queue.append(source)
        self.distance = distance
        self.distance_array = np.full(self.dead + 1, np.inf)
        for state, value in distance.items():
            if state in self.index_of:
                self.distance_array[self.index_of[state]] = value

    def symbol(self, ch: str) -> int:
        return self.alphabet[ch]


# -- the vocabulary ------------------------------------------------------------------------------
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes_to_unicode table (byte-level BPE token spelling)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    codes = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, codes)}


def token_strings(tokenizer) -> dict[int, str]:
    """The text each (non-special) token id spells. Tokens that are only part of a UTF-8
    character are left out: constrained output is built from whole characters."""
    vocab: dict[str, int] = tokenizer.get_vocab()
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    byte_level = any("Ġ" in t for t in list(vocab)[:5000]) or "Ġ" in vocab
    sentencepiece = not byte_level and any(t.startswith("▁") for t in list(vocab)[:5000])
    decoder = _byte_decoder()
    out: dict[int, str] = {}
    for token, token_id in vocab.items():
        if token_id in special:
            continue
        try:
            if byte_level:
                raw = bytes(decoder[c] for c in token)
            elif sentencepiece:
                match = re.fullmatch(r"<0x([0-9A-Fa-f]{2})>", token)
                raw = bytes([int(match.group(1), 16)]) if match else token.replace("▁", " ").encode()
            else:
                raw = tokenizer.decode([token_id]).encode()
            text = raw.decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            continue
        if text:
            out[token_id] = text
    return out


class TokenIndex:
    """Per tokenizer: each token's spelling; per DFA, each token as a row of symbol ids, so the
    tokens legal in a state are found by stepping all of them at once through the dense table
    (numpy, a few milliseconds even for a 150k vocabulary). Results are cached per state."""

    MAX_TOKEN_CHARS = 48  # longer tokens (rare whitespace runs) are never chosen under a constraint

    def __init__(self, tokenizer, eos_token_ids: Sequence[int]):
        self.strings = {
            token_id: text for token_id, text in token_strings(tokenizer).items() if len(text) <= self.MAX_TOKEN_CHARS
        }
        self.eos_token_ids = [int(t) for t in eos_token_ids if t is not None]
        self.token_ids = np.array(sorted(self.strings), dtype=np.int64)
        self.width = max((len(t) for t in self.strings.values()), default=1)
        self.single_chars = {text for text in self.strings.values() if len(text) == 1}
        self._dfas: dict[str, CharDFA] = {}
        self._symbols: dict[str, np.ndarray] = {}
        self._allowed: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def dfa(self, pattern: str) -> CharDFA:
        dfa = self._dfas.get(pattern)
        if dfa is None:
            dfa = CharDFA(pattern)
            usable = {dfa.alphabet[ch] for ch in self.single_chars}
            dfa.compute_distance(usable)
            symbols = np.full((len(self.token_ids), self.width), dfa.pad, dtype=np.int32)
            for row, token_id in enumerate(self.token_ids.tolist()):
                for column, ch in enumerate(self.strings[token_id]):
                    symbols[row, column] = dfa.alphabet[ch]
            self._dfas[pattern], self._symbols[pattern] = dfa, symbols
        return dfa

    def allowed(self, dfa: CharDFA, state: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(token ids, distance-to-accept after each, next states) of tokens legal in `state`."""
        key = (dfa.pattern, state)
        cached = self._allowed.get(key)
        if cached is None:
            symbols = self._symbols[dfa.pattern]
            current = np.full(len(self.token_ids), state, dtype=np.int32)
            for column in range(symbols.shape[1]):
                current = dfa.table[current, symbols[:, column]]
            legal = current != dfa.dead
            nexts = current[legal]
            cached = (self.token_ids[legal], dfa.distance_array[nexts], nexts)
            self._allowed[key] = cached
        return cached


class Constraint:
    """The decoding state of one sequence under one constraint."""

    def __init__(self, index: TokenIndex, pattern: str):
        self.index = index
        self.dfa = index.dfa(pattern)
        self.state = self.dfa.start  # dense state index
        self.done = False
        self.failed = False

    @classmethod
    def for_request(cls, index: TokenIndex, json_schema: dict | None, regex: str | None):
        if json_schema is not None:
            return cls(index, schema_to_regex(json_schema))
        if regex is not None:
            return cls(index, regex)
        return None

    def min_tokens(self) -> float:
        return float(self.dfa.distance_array[self.state])

    def advance(self, token_id: int) -> None:
        if self.done:
            return
        if token_id in self.index.eos_token_ids:
            self.done = True
            return
        text = self.index.strings.get(token_id)
        state = self.state if text else self.dfa.dead
        for ch in text or "":
            state = int(self.dfa.table[state, self.dfa.alphabet[ch]])
        if state == self.dfa.dead:
            self.failed = self.done = True  # cannot happen when the mask was applied
            return
        self.state = state

    def allowed_ids(self, remaining: int) -> list[int] | np.ndarray:
        """Token ids allowed now when `remaining` tokens (this one included) may still be made."""
        ids, distance, _ = self.index.allowed(self.dfa, self.state)
        is_final = bool(self.dfa.is_final[self.state])
        mask = distance <= remaining - 1
        chosen = ids[mask]
        if is_final:
            chosen = np.concatenate([chosen, np.array(self.index.eos_token_ids, dtype=np.int64)])
        if chosen.size == 0:  # budget exhausted outside the language: end, report as a failure
            return np.array(self.index.eos_token_ids, dtype=np.int64)
        return chosen
