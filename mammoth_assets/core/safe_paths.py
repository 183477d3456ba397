"""Untrusted names never reach the filesystem unchecked.

Partition keys (anyone can add one in the UI), recipe and instruction-set names, file names read
from a mirror's `wet.paths.gz` / `warc.paths.gz`, and config values that become paths are
validated here, once, by a small set of rules; everything that builds a path from them and then
writes or deletes goes through `path_under` / `remove_tree`, which resolve the path (symlinks
included) and refuse anything that leaves its root.

Measured before this module existed: a `cc_dump` key `x/../../..` made `web_documents` rmtree
the whole data dir, and a `wet.paths.gz` line with `../` wrote outside the download cache.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

# A name that is one path component on every filesystem we run on: starts with a letter or digit
# (so never ".", "..", "-x" or a hidden file), then letters, digits, '.', '_', '-'.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# Common Crawl's crawl ids: CC-MAIN-2024-10 (year-week). The oldest collections are named
# CC-MAIN-2012, CC-MAIN-2009-2010, CC-MAIN-2008-2009; a local mirror may use CC-MAIN-<NAME> such
# as the bundled CC-MAIN-SAMPLE. Nothing else is a dump id.
CC_DUMP_ID = re.compile(r"^CC-MAIN-\d{4}-\d{2}$")
LOCAL_DUMP_ID = re.compile(r"^CC-MAIN-[A-Z0-9]{1,32}(?:-[A-Z0-9]{1,32}){0,3}$")
# One line of a paths listing: a relative POSIX path of safe components, e.g.
# crawl-data/CC-MAIN-2024-10/segments/1707947473347.0/wet/CC-MAIN-2024...-00000.warc.wet.gz
MAX_RELATIVE_PATH = 1024
MAX_SHOWN = 80  # how much of a rejected value an error message repeats


class UnsafeNameError(ValueError):
    """A name or relative path that must not become part of a filesystem path."""


class UnsafePathError(ValueError):
    """A path that resolves outside the root it must stay under."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def safe_name(value: object, what: str = "name") -> str:
    """`value` when it is one safe path component, else UnsafeNameError saying why."""
    if not isinstance(value, str):
        raise UnsafeNameError(f"{what} must be a string, not {type(value).__name__}")
    if not SAFE_NAME.fullmatch(value):
        raise UnsafeNameError(
            f"{what} {_shown(value)} is not a safe name: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (no '/', no '..', no spaces)"
        )
    return value


def is_safe_name(value: object) -> bool:
    return isinstance(value, str) and bool(SAFE_NAME.fullmatch(value))


def dump_id(value: object) -> str:
    """`value` when it is a Common Crawl dump id (CC-MAIN-YYYY-WW, or CC-MAIN-<NAME> in capitals
    and digits for old collections and local mirrors such as CC-MAIN-SAMPLE)."""
    if isinstance(value, str) and (CC_DUMP_ID.fullmatch(value) or LOCAL_DUMP_ID.fullmatch(value)):
        return value
    raise UnsafeNameError(
        f"cc_dump key {_shown(value)} is not a Common Crawl dump id: expected CC-MAIN-YYYY-WW "
        "(e.g. CC-MAIN-2024-10) or CC-MAIN-<NAME> in capitals and digits (e.g. CC-MAIN-SAMPLE)"
    )


def is_dump_id(value: object) -> bool:
    try:
        dump_id(value)
    except UnsafeNameError:
        return False
    return True


def relative_file(value: object, what: str = "file name") -> str:
    """`value` when it is a relative POSIX path made only of safe components (what a paths listing
    may contain); absolute paths, '..', empty components, backslashes and control characters are
    refused."""
    if not isinstance(value, str) or not value:
        raise UnsafeNameError(f"{what} must be a non-empty string, got {_shown(value)}")
    if len(value) > MAX_RELATIVE_PATH:
        raise UnsafeNameError(f"{what} is {len(value)} characters long (at most {MAX_RELATIVE_PATH})")
    if value.startswith("/") or "\\" in value:
        raise UnsafeNameError(f"{what} {_shown(value)} must be a relative path with '/' separators")
    for part in value.split("/"):
        if not SAFE_NAME.fullmatch(part):
            raise UnsafeNameError(
                f"{what} {_shown(value)} has an unsafe component {_shown(part)} (components use letters, "
                "digits, '.', '_', '-' and start with a letter or digit; no '..', no empty parts)"
            )
    return value


def path_under(root: str | os.PathLike, *parts: str | os.PathLike) -> Path:
    """`root/parts...`, checked to stay inside `root` once every symlink is resolved.

    Returns the path spelled from `root` as given (so reported paths read like the configured
    data dir) with the resolved remainder, so a symlink inside the root cannot redirect a later
    write. Raises UnsafePathError for anything that escapes, including an absolute part."""
    base = Path(root)
    real_base = base.resolve()
    candidate = base.joinpath(*parts)
    real = candidate.resolve()
    if real != real_base and real_base not in real.parents:
        raise UnsafePathError(
            f"refusing path {_shown(str(candidate))}: it resolves to {_shown(str(real))}, outside {real_base}"
        )
    return base.joinpath(real.relative_to(real_base)) if real != real_base else base


def child_dir(root: str | os.PathLike, *names: str, what: str = "name") -> Path:
    """A directory `root/names...` (created) where every name is a safe component and the result
    stays inside `root`: the one way to turn partition keys and other names into directories."""
    for name in names:
        safe_name(name, what)
    path = path_under(root, *names)
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_tree(root: str | os.PathLike, path: str | os.PathLike) -> None:
    """Delete the directory tree `path` (absolute, or relative to `root`), which must lie strictly
    inside `root`: never `root` itself, never outside it through '..' or a symlink. A missing path is
    fine; a symlink is unlinked, not followed."""
    target = Path(root).joinpath(path)
    if target.is_symlink():
        path_under(root, target.parent)  # where the link lives; unlinking never touches its target
        target.unlink()
        return
    checked = path_under(root, target)
    if checked.resolve() == Path(root).resolve():
        raise UnsafePathError(f"refusing to delete the root {Path(root).resolve()} itself")
    shutil.rmtree(checked, ignore_errors=True)
