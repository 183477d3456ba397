"""Instruction sets as inputs: declarations, readers and normalisation to one row shape.

Every example becomes a row `instruction_set, example_id, instruction, input, output, category,
source` plus `is_coding`, `status` ("ok" / "invalid") and `reason`. A malformed record is kept as
an invalid row with its reason, never dropped silently.

Sources a declaration may name:
- a local file: JSON (a list, or `{"data": [...]}`), JSONL (optionally .gz) or Parquet;
- `shared:<relative path>`: a file under the shared test-data directory;
- `package:<relative path>`: a file shipped inside the mammoth_assets package (demo prompts);
- `hf:<dataset id>`: a Hugging Face dataset (needs the hub; real users only);
- `warehouse:<table>`: a warehouse table, e.g. `warehouse:webinstruct` (read by the asset).

Record shapes recognised (the first that matches wins): Alpaca (instruction/input/output), Dolly
(instruction/context/response), WebInstruct (question/answer), chat (`messages` or ShareGPT
`conversations`), and the AlpaGasus test sets (`prompt`, `text`, `Instruction`, or `instruction`
with Self-Instruct `instances`).
"""

from __future__ import annotations

import codecs
import gzip
import itertools
import json
import re
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from mammoth_assets import paths
from mammoth_assets.core import safe_paths
from mammoth_assets.core.line_reader import iter_lines

EXAMPLE_COLUMNS = (
    "instruction_set",
    "example_id",
    "position",
    "instruction",
    "input",
    "output",
    "category",
    "source",
    "is_coding",
    "status",
    "reason",
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the mammoth_assets package
_ID_KEYS = ("example_id", "id", "pair_id", "qa_id", "idx", "question_id", "uid")
MAX_FIELD_CHARS = 1_000_000  # a longer instruction or response is invalid, not loaded into training
MAX_LINE_BYTES = 16 << 20  # a JSONL line longer than this is invalid and never read into memory


class InstructionSetError(ValueError):
    pass


@dataclass(frozen=True)
class InstructionSetDeclaration:
    name: str
    source: str
    split: str = "train"
    kind: str = "train"  # "train" (an instruction set to rate) or "test" (a judging test set)
    description: str = ""
    encoding: str = "utf-8"  # of a JSON/JSONL file (a byte-order mark wins)

    def __post_init__(self) -> None:
        try:
            safe_paths.safe_name(self.name, "instruction set name")
        except safe_paths.UnsafeNameError as error:
            raise InstructionSetError(str(error)) from error
        if self.kind not in ("train", "test"):
            raise InstructionSetError(f"instruction set {self.name!r}: kind must be train or test")
        if not isinstance(self.source, str) or not self.source:
            raise InstructionSetError(f"instruction set {self.name!r} has no source")
        try:
            codecs.lookup(self.encoding)
        except (LookupError, TypeError) as error:
            raise InstructionSetError(f"instruction set {self.name!r}: unknown encoding {self.encoding!r}") from error


# -- declarations -----------------------------------------------------------------------------


def repo_declarations_path() -> Path:
    return paths.PROJECT_ROOT / "instruction_sets.yaml"


def user_declarations_path() -> Path:
    """Sets added with `mammoth add-instruction-set` live beside the warehouse, not in the repo."""
    return paths.data_dir() / "instruction_sets.yaml"


def read_declarations(path: Path, errors: list[str] | None = None) -> dict[str, InstructionSetDeclaration]:
    """Declarations in one YAML file. A bad entry raises InstructionSetError, or, when `errors` is
    given, is appended there (with its reason) and skipped so the good entries still count."""
    if not path.exists():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InstructionSetError(f"{path}: unreadable declarations file ({error})") from error
    entries = document.get("instruction_sets", {}) if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise InstructionSetError(f"{path}: expected a mapping under 'instruction_sets'")
    declarations = {}
    for name, entry in entries.items():
        try:
            if not isinstance(entry, (str, dict, type(None))):
                raise InstructionSetError(f"entry is a {type(entry).__name__}, expected a source or a mapping")
            entry = {"source": entry} if isinstance(entry, str) else dict(entry or {})
            declarations[str(name)] = InstructionSetDeclaration(name=str(name), **entry)
        except (TypeError, InstructionSetError) as error:
            message = f"{path}: instruction set {str(name)[:80]!r}: {error}"
            if errors is None:
                raise InstructionSetError(message) from error
            errors.append(message)
    return declarations


def all_declarations(errors: list[str] | None = None) -> dict[str, InstructionSetDeclaration]:
    """The repo's declarations, overridden by the user's (data-dir) declarations. With `errors`,
    bad entries are reported there instead of raising."""
    return {**read_declarations(repo_declarations_path(), errors),
            **read_declarations(user_declarations_path(), errors)}


def find_declaration(name: str) -> InstructionSetDeclaration:
    declarations = all_declarations()
    if name not in declarations:
        raise InstructionSetError(
            f"instruction set {name!r} is not declared (known: {sorted(declarations)}); add it "
            f"with `mammoth add-instruction-set {name} PATH_OR_HF_ID` or in instruction_sets.yaml"
        )
    return declarations[name]


def add_declaration(declaration: InstructionSetDeclaration, path: Path | None = None) -> Path:
    """Add or replace one declaration in the user's declarations file."""
    path = path or user_declarations_path()
    document = yaml.safe_load(path.read_text()) if path.exists() else None
    document = document or {}
    entries = document.setdefault("instruction_sets", {})
    defaults = {"encoding": "utf-8"}
    entry = {k: v for k, v in asdict(declaration).items()
             if k != "name" and v not in ("",) and defaults.get(k) != v}
    entries[declaration.name] = entry
    path.write_text(yaml.safe_dump(document, sort_keys=True))
    return path


# -- reading ----------------------------------------------------------------------------------


def resolve_source(source: str) -> tuple[str, str]:
    """(kind, location): kind is 'file', 'hf' or 'warehouse'."""
    if source.startswith("hf:"):
        return "hf", source[3:]
    if source.startswith("warehouse:"):
        return "warehouse", source[len("warehouse:") :]
    if source.startswith("shared:"):
        return "file", str(paths.shared_data_dir() / source[len("shared:") :])
    if source.startswith("package:"):
        return "file", str(PACKAGE_DIR / source[len("package:") :])
    return "file", str(Path(source).expanduser())


def read_file_records(path: str | Path, encoding: str = "utf-8") -> Iterator[Any]:
    """Raw records of a JSON, JSONL(.gz) or Parquet file, streamed where the format allows. A JSONL
    line that cannot be read (other encoding, bad JSON, too long) becomes an `_Unreadable` record
    with its reason; a whole file that cannot be read raises InstructionSetError."""
    path = Path(path)
    if not path.exists():
        raise InstructionSetError(f"instruction file not found: {path}")
    suffixes = "".join(path.suffixes[-2:]).lower()
    try:
        if suffixes.endswith(".parquet"):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
                yield from batch.to_pylist()
        elif suffixes.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
            yield from _jsonl_records(path, encoding)
        elif suffixes.endswith((".json", ".json.gz")):
            yield from _json_records(path, encoding)
        else:
            raise InstructionSetError(f"{path}: unsupported file type (use .json, .jsonl or .parquet)")
    except (OSError, EOFError, zlib.error, pa.ArrowException) as error:
        raise InstructionSetError(f"{path}: unreadable ({type(error).__name__}: {error})") from error


def _jsonl_records(path: Path, encoding: str) -> Iterator[Any]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        lines = iter_lines(handle, encoding, MAX_LINE_BYTES, "set `encoding: latin-1` in its declaration")
        for line_number, text, error in lines:
            if error is not None:
                yield _Unreadable(f"line {line_number}: {error}")
                continue
            try:
                yield json.loads(text)
            except json.JSONDecodeError as decode_error:
                yield _Unreadable(f"line {line_number}: invalid JSON ({decode_error.msg})")
            except RecursionError:
                yield _Unreadable(f"line {line_number}: invalid JSON (nested too deeply)")


def _json_records(path: Path, encoding: str) -> Iterator[Any]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if raw.startswith(codecs.BOM_UTF8):
        raw, encoding = raw[3:], "utf-8"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    try:
        document = json.loads(raw.decode(encoding))
    except UnicodeDecodeError as error:
        raise InstructionSetError(
            f"{path}: not valid {encoding} (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "a Latin-1/cp1252 file? set `encoding: latin-1` in its declaration"
        ) from error
    except (json.JSONDecodeError, RecursionError) as error:
        raise InstructionSetError(f"{path}: invalid JSON ({error})") from error
    if isinstance(document, dict):
        document = next((v for v in document.values() if isinstance(v, list)), None)
    if not isinstance(document, list):
        raise InstructionSetError(f"{path}: expected a JSON list of records")
    yield from document


def read_hf_records(dataset_id: str, split: str = "train") -> Iterator[Any]:  # pragma: no cover
    """Records of a Hugging Face dataset, streamed (real users; tests have no hub)."""
    import datasets

    name, _, config = dataset_id.partition(":")
    dataset = datasets.load_dataset(name, config or None, split=split, streaming=True)
    yield from dataset


@dataclass(frozen=True)
class _Unreadable:
    reason: str


# -- normalising ------------------------------------------------------------------------------

_CODING = re.compile(
    r"```|c\+\+|\bc#|\b(?:code|coding|programs?|programming|python|java(?:script)?|sql|html|css|"
    r"regex|regular expression|algorithm|compiler?|debug|api|bash|shell script|typescript|rust|"
    r"golang|ruby|php|kotlin|pseudocode|source code|function in|write a function)\b",
    re.IGNORECASE,
)
_CODE_SYNTAX = re.compile(r"(?:def \w+\(|#include|console\.log|</?\w+>|\bSELECT\b.+\bFROM\b)", re.M)


def is_coding(instruction: str, input_text: str = "", output: str = "") -> bool:
    """The paper's coding vs non-coding split (coding items are filtered harder): a keyword in the
    instruction or input, or code syntax in the response."""
    return bool(_CODING.search(f"{instruction}\n{input_text}")) or bool(
        _CODE_SYNTAX.search(output or "")
    )


class _FieldError(ValueError):
    """A field that cannot be text: the record becomes an invalid row with this reason."""


def _text(value: Any, field: str = "field") -> str:
    """A field as text: strings, numbers, and OpenAI-style content parts ([{"type": "text", ...}]).
    Booleans, objects and other lists are not instruction text; neither is a field longer than
    MAX_FIELD_CHARS."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool) or not isinstance(value, (int, float, list)):
        raise _FieldError(f"{field} is {'a boolean' if isinstance(value, bool) else 'a ' + type(value).__name__}, not text")
    elif isinstance(value, list):
        if not all(isinstance(p, Mapping) and p.get("type") == "text" and isinstance(p.get("text"), str) for p in value):
            raise _FieldError(f"{field} is a list, not text")
        text = "".join(p["text"] for p in value).strip()
    elif isinstance(value, float) and value != value:  # NaN: a missing value in a Parquet column
        return ""
    else:
        text = str(value)
    if len(text) > MAX_FIELD_CHARS:
        raise _FieldError(f"{field} is {len(text):,} characters (limit {MAX_FIELD_CHARS:,})")
    return text


def _chat_fields(turns: Any) -> tuple[str, str, str] | None:
    """(instruction, input, output) from the first user turn and the assistant reply after it."""
    if not isinstance(turns, list) or not turns:
        return None
    system, user, assistant = "", None, None
    for turn in turns:
        if not isinstance(turn, Mapping):
            return None
        role = str(turn.get("role", turn.get("from", ""))).lower()
        content = _text(turn.get("content", turn.get("value")), f"{role or 'turn'} content")
        if role == "system":
            system = content
        elif role in ("user", "human") and user is None:
            user = content
        elif role in ("assistant", "gpt", "model", "bot") and user is not None:
            assistant = content
            break
    if user is None:
        return None
    return user, system, assistant or ""


def record_fields(record: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(instruction, input, output) of a record in any recognised shape, or None."""
    keys = set(record)
    if "instruction" in keys and "instances" in keys:  # Self-Instruct user-oriented test set
        instances = record.get("instances") or [{}]
        first = instances[0] if isinstance(instances, list) and instances and isinstance(instances[0], Mapping) else {}
        return (_text(record["instruction"], "instruction"), _text(first.get("input"), "input"),
                _text(first.get("output"), "output"))
    if "instruction" in keys:
        context = record.get("input", record.get("context"))
        output = record.get("output", record.get("response"))
        return _text(record["instruction"], "instruction"), _text(context, "input"), _text(output, "output")
    if "question" in keys:
        return _text(record["question"], "question"), "", _text(record.get("answer"), "answer")
    for key in ("messages", "conversations"):
        if key in keys:
            return _chat_fields(record[key])
    for key in ("prompt", "text", "Instruction"):
        if key in keys:
            return _text(record[key], key), "", _text(record.get("output", record.get("response")), "output")
    return None


def _record_id(record: Mapping[str, Any], index: int) -> str:
    for key in _ID_KEYS:
        value = record.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()[:200]
    return f"{index:07d}"


def _category(record: Mapping[str, Any]) -> str | None:
    for key in ("category", "Skill", "motivation_app", "domain"):
        value = record.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()[:200]
    return None


def normalise_record(
    set_name: str, record: Any, index: int, source: str, require_output: bool = True
) -> dict[str, Any]:
    """One row of `EXAMPLE_COLUMNS`; `status` is 'invalid' with a reason when it cannot be used."""
    row: dict[str, Any] = {
        "instruction_set": set_name,
        "example_id": f"{index:07d}",
        "position": index,
        "instruction": "",
        "input": "",
        "output": "",
        "category": None,
        "source": f"{source}#{index}",
        "is_coding": False,
        "status": "ok",
        "reason": None,
    }
    if isinstance(record, _Unreadable):
        return {**row, "status": "invalid", "reason": record.reason}
    if not isinstance(record, Mapping):
        return {**row, "status": "invalid", "reason": f"record is a {type(record).__name__}, not an object"}
    row["example_id"] = _record_id(record, index)
    row["source"] = f"{source}#{row['example_id']}"
    row["category"] = _category(record)
    try:
        fields = record_fields(record)
    except _FieldError as error:
        return {**row, "status": "invalid", "reason": str(error)}
    if fields is None:
        keys = sorted(record)[:8]
        return {**row, "status": "invalid", "reason": f"unrecognised record shape (keys {keys})"}
    instruction, input_text, output = fields
    row.update(instruction=instruction, input=input_text, output=output)
    row["is_coding"] = is_coding(instruction, input_text, output)
    if not instruction:
        return {**row, "status": "invalid", "reason": "empty instruction"}
    if require_output and not output:
        return {**row, "status": "invalid", "reason": "empty output"}
    return row


def normalise_records(
    set_name: str,
    records: Iterable[Any],
    source: str,
    require_output: bool = True,
    limit: int = 0,
) -> Iterator[dict[str, Any]]:
    """Normalised rows; a repeated example_id is marked invalid ('duplicate example_id')."""
    seen: set[str] = set()
    stream = itertools.islice(records, limit) if limit > 0 else records
    for index, record in enumerate(stream):
        row = normalise_record(set_name, record, index, source, require_output)
        if row["example_id"] in seen:
            row = {**row, "example_id": f"{row['example_id']}#dup{index}", "status": "invalid",
                   "reason": "duplicate example_id"}
        seen.add(row["example_id"])
        yield row


def iter_declared_records(declaration: InstructionSetDeclaration) -> Iterator[Any]:
    kind, location = resolve_source(declaration.source)
    if kind == "file":
        return read_file_records(location, declaration.encoding)
    if kind == "hf":
        return read_hf_records(location, declaration.split)
    raise InstructionSetError(
        f"instruction set {declaration.name!r}: source {declaration.source!r} is a warehouse "
        "table; read it from the warehouse"
    )


def iter_examples(
    declaration: InstructionSetDeclaration, limit: int = 0
) -> Iterator[dict[str, Any]]:
    """Normalised rows of a file or Hugging Face declaration."""
    records = iter_declared_records(declaration)
    return normalise_records(
        declaration.name,
        records,
        source=declaration.source,
        require_output=declaration.kind == "train",
        limit=limit,
    )


def batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
