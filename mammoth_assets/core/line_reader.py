"""Lines of a text file whose encoding and line lengths nobody promised: decoded one at a time, so
bad bytes cost one line (with the reason) instead of the whole file, and memory stays bounded by
`max_line_bytes` whatever the file holds. A UTF-8 byte-order mark is skipped; a UTF-16/32 one
switches the decoding."""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO, Iterator

_CHUNK = 1 << 20


def iter_lines(
    stream: BinaryIO,
    encoding: str = "utf-8",
    max_line_bytes: int = 16 << 20,
    encoding_hint: str = "give its encoding, e.g. latin-1",
) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, error) for every non-blank line of a binary stream positioned at its
    start; text is None when the line could not be decoded or was too long, and error says why.
    Raises LookupError for an unknown encoding."""
    codecs.lookup(encoding)
    head = stream.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield from _iter_wide_lines(stream, head, max_line_bytes)
        return
    lines = io.BufferedReader(_Prefixed(head[3:] if head.startswith(codecs.BOM_UTF8) else head, stream), _CHUNK)
    number = 0
    while raw := lines.readline(max_line_bytes + 1):
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            while (chunk := lines.readline(_CHUNK)) and not chunk.endswith(b"\n"):
                pass  # drop the rest of the over-long line in bounded chunks
            yield number, None, f"line is longer than {max_line_bytes:,} bytes"
            continue
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            hint = f" (a Latin-1/cp1252 file? {encoding_hint})" if encoding.lower().startswith("utf") else ""
            yield number, None, f"line is not valid {encoding}: byte 0x{raw[error.start]:02x} at position {error.start}{hint}"
            continue
        if text.strip():
            yield number, text.rstrip("\r\n"), None


def _iter_wide_lines(stream: BinaryIO, head: bytes, max_line_bytes: int) -> Iterator[tuple[int, str | None, str | None]]:
    encoding = "utf-32" if head == codecs.BOM_UTF32_LE else "utf-16"
    text_stream = io.TextIOWrapper(_Prefixed(head, stream), encoding=encoding)
    number = 0
    try:
        while line := text_stream.readline(max_line_bytes + 1):
            number += 1
            if len(line) > max_line_bytes and not line.endswith("\n"):
                while (chunk := text_stream.readline(_CHUNK)) and not chunk.endswith("\n"):
                    pass
                yield number, None, f"line is longer than {max_line_bytes:,} characters"
            elif line.strip():
                yield number, line, None
    except UnicodeDecodeError as error:
        yield number + 1, None, f"undecodable {encoding} from here on ({error.reason}); the rest of the file is skipped"
    finally:
        text_stream.detach()


class _Prefixed(io.RawIOBase):
    """The sniffed head bytes followed by the rest of the stream (works for unseekable streams)."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size], self._head = self._head[:size], self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
