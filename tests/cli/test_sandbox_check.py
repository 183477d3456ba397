"""`mammoth sandbox-check`: the isolation in use, every mode's verdict, and a hostile self-test."""

from __future__ import annotations

import json
import os

import pytest

from mammoth_assets.cli import main
from mammoth_assets.core.sandbox import runner
from mammoth_assets.core.sandbox.hostile import ACTIONS


def test_prints_the_isolation_and_every_action_contained(capsys: pytest.CaptureFixture) -> None:
    assert main(["sandbox-check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    if os.geteuid() == 0:  # as root, auto is bwrap or a refusal
        assert report["isolation"]["mode"] == "bwrap"
    assert report["isolation"]["layers"] and set(report["modes"]) == {"auto", "bwrap", "unshare", "none"}
    assert [o["action"] for o in report["self_test"]] == [a.name for a in ACTIONS] + ["batch-goes-on"]
    assert report["escaped"] == 0 and all(o["contained"] for o in report["self_test"])
    statuses = {o["action"]: o["status"] for o in report["self_test"]}
    assert statuses["cpu-spin"] == "timeout" and statuses["batch-goes-on"] == "ok"


def test_text_report_without_the_self_test(capsys: pytest.CaptureFixture) -> None:
    assert main(["sandbox-check", "--no-self-test", "--isolation", "none"]) == 0
    out = capsys.readouterr().out
    assert "isolation in use:    none" in out and "every request on this machine:" in out
    assert "self-test" not in out


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal is for root hosts")
def test_refusal_exits_3_and_says_how_to_fix_it(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_resolved", {})
    monkeypatch.setattr(runner, "bwrap_candidates", lambda: [])
    assert main(["sandbox-check"]) == 3
    assert "apt-get install bubblewrap" in capsys.readouterr().err
