"""Versioned prompt templates: `load_prompt(name)` reads `prompts/<name>.j2` beside this file.

A template file is Jinja2 (StrictUndefined: a missing variable is an error, not an empty string)
holding one or more chat messages. Each message starts with a header line naming its role:

    === system ===
    You are a careful grader.
    === user ===
    Rate this answer: {{ answer }}
    === assistant ===
    4.5
    === user ===
    ...

so few-shot turns are written as alternating user/assistant messages. `PromptTemplate.version` is
a short hash of the file's content: editing a template changes the version, and with it the cache
key of every request it renders.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from mammoth_assets.llm.types import LLMRequest, SamplingParams

PROMPTS_DIR = Path(__file__).resolve().parent
ROLES = ("system", "user", "assistant")
_HEADER = re.compile(r"^===[ \t]*(system|user|assistant)[ \t]*===[ \t]*$", re.MULTILINE)
_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
    autoescape=False,
)


class PromptError(ValueError):
    pass


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    source: str  # the file's text
    path: Path | None = None

    @property
    def version(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()[:12]

    @functools.cached_property
    def _parts(self) -> list[tuple[str, jinja2.Template]]:
        return [(role, _ENV.from_string(body)) for role, body in split_messages(self.source, self.name)]

    def render(self, **variables: Any) -> list[dict[str, str]]:
        """The chat messages with `variables` filled in."""
        try:
            return [
                {"role": role, "content": template.render(**variables).strip("\n")}
                for role, template in self._parts
            ]
        except jinja2.UndefinedError as error:
            raise PromptError(f"prompt {self.name!r}: {error}") from error

    def request(
        self,
        request_id: str,
        sampling: SamplingParams | None = None,
        json_schema: dict[str, Any] | None = None,
        regex: str | None = None,
        **variables: Any,
    ) -> LLMRequest:
        """An `LLMRequest` rendered from this template, carrying its version."""
        return LLMRequest(
            request_id=request_id,
            messages=self.render(**variables),
            sampling=sampling or SamplingParams(),
            json_schema=json_schema,
            regex=regex,
            prompt_version=f"{self.name}@{self.version}",
        )


def split_messages(source: str, name: str = "<string>") -> list[tuple[str, str]]:
    """(role, body) pairs of a template source; text before the first header is an error."""
    headers = list(_HEADER.finditer(source))
    if not headers:
        raise PromptError(f"prompt {name!r} has no '=== system|user|assistant ===' header line")
    if source[: headers[0].start()].strip():
        raise PromptError(f"prompt {name!r} has text before its first '=== role ===' header")
    parts = []
    for header, following in zip(headers, headers[1:] + [None]):
        end = following.start() if following else len(source)
        body = source[header.end() : end]
        body = body[1:] if body.startswith("\n") else body
        parts.append((header.group(1), body))
    return parts


def prompt_names() -> list[str]:
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.j2"))


def load_prompt(name: str) -> PromptTemplate:
    """The template `prompts/<name>.j2` (read fresh each call, so edits are picked up)."""
    path = PROMPTS_DIR / f"{name}.j2"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not path.is_file():
        raise PromptError(f"no prompt template {name!r} in {PROMPTS_DIR} (have: {prompt_names()})")
    template = PromptTemplate(name=name, source=path.read_text(encoding="utf-8"), path=path)
    template._parts  # parse now so a syntax error names the file at load time
    return template


def from_string(name: str, source: str) -> PromptTemplate:
    """A template from text (tests, ad-hoc prompts); versioned the same way as files."""
    template = PromptTemplate(name=name, source=source)
    template._parts
    return template


__all__ = ["PromptTemplate", "PromptError", "load_prompt", "from_string", "prompt_names", "ROLES"]
