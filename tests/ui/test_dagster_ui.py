"""The Dagster UI as a user meets it, in a real browser: Debian's chromium driven by Playwright
against `dagster dev` on 127.0.0.1, on an instance holding a sample-dump materialization.

It checks what a user sees, not what the API says: the global lineage draws every group joined
to the others, an asset's plot renders (the image decodes: naturalWidth > 0), and a click on
Materialize for a cheap asset ends in a successful run. Screenshots and the `dagster dev` log go
to the folder the test prints (MAMMOTH_UI_ARTIFACTS, default test-artifacts/ui/).

Needs `chromium` on PATH (`apt-get install chromium`; `.ci/run` installs it) and the `playwright`
package (test extra); skipped with the reason otherwise. Playwright's own browser download is not
used: it drives the system chromium through `executable_path`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
GROUPS = {"crawl", "recall", "webinstruct", "quality", "rationales", "train", "evaluate"}
# Flags for a headless chromium as root on a machine with no outside network (without the
# background-networking ones, chromium keeps dialling Google's hosts).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_TIMEOUT_S = 300  # `dagster dev` answers after ~6 s on an idle machine; a busy one is slower
RUN_TIMEOUT_S = 600
CHEAP_ASSET = "recall_seeds"
ARTIFACT_FILES = ("dagster-dev.log", "lineage.png", "plot.png", "before-materialize.png", "run.png")  # unpartitioned, SQL over the sample's documents: seconds of work


def _chromium() -> str | None:
    return os.environ.get("MAMMOTH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        pytest.skip("no chromium on PATH (apt-get install chromium; .ci/run installs it)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (test extra)")
    return path


@pytest.fixture(scope="module")
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = Path(os.environ.get("MAMMOTH_UI_ARTIFACTS") or REPO / "test-artifacts" / "ui")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ARTIFACT_FILES:  # this test's files from an earlier run, nothing else
        (folder / name).unlink(missing_ok=True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\nUI test screenshots and logs: {folder}")
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """SIGINT to dagster dev's own process group (webserver, daemon, code server), as Ctrl-C
    would; harder signals only if it does not stop."""
    for sig, wait_s in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def dagster_ui(chromium: str, artifacts: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("dagster-ui")
    home = root / "home"
    home.mkdir()
    config = (REPO / "dagster.yaml").read_text().replace("data/dagster/", f"{root}/dagster/")
    (home / "dagster.yaml").write_text(config)
    env = {**os.environ, "MAMMOTH_DATA_DIR": str(root / "data"), "DAGSTER_HOME": str(home),
           "MAMMOTH_PROFILE": "sample", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    prepared = subprocess.run([sys.executable, "-m", "tests.ui.prepare_instance"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=900)
    assert prepared.returncode == 0, prepared.stdout[-2000:] + prepared.stderr[-3000:]

    port = _free_port()
    log = open(artifacts / "dagster-dev.log", "w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-w", str(REPO / "workspace.yaml"),
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _answers(f"{base}/server_info"):
            assert process.poll() is None, (artifacts / "dagster-dev.log").read_text()[-3000:]
            assert time.monotonic() < deadline, f"dagster dev did not answer in {STARTUP_TIMEOUT_S} s"
            time.sleep(1)
        yield base
    finally:
        _stop(process)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def welcomed(browser, dagster_ui: str) -> str:
    """A new instance greets its first visitor with a "join the community" dialog over every page;
    skip it once, as a returning user has (Dagster remembers it on the instance)."""
    context = browser.new_context(base_url=dagster_ui)
    page = context.new_page()
    page.goto("/overview", timeout=120_000)
    try:
        page.get_by_role("button", name="Skip").click(timeout=30_000)
        page.wait_for_timeout(1000)
    except Exception:  # no dialog: nothing to skip
        pass
    context.close()
    return dagster_ui


@pytest.fixture
def page(browser, welcomed: str):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, base_url=welcomed)
    context.set_default_timeout(120_000)
    yield context.new_page()
    context.close()


def _graphql(page, query: str) -> dict:
    response = page.request.post("/graphql", data=json.dumps({"query": query}),
                                 headers={"content-type": "application/json"})
    assert response.ok, response.text()
    return response.json()["data"]


CURVE = re.compile(r"M\s*([-\d.]+)\s*,\s*([-\d.]+).*?([-\d.]+)\s*,\s*([-\d.]+)\s*$")


def _drawn_group_edges(boxes: list[dict], paths: list[str]) -> set[tuple[str, str]]:
    """Edges as drawn: a curve leaves a group box's right side and ends at another's left side."""

    def box_at(x: float, y: float, side: str) -> str | None:
        for box in boxes:
            edge = box["x"] + box["width"] if side == "right" else box["x"]
            if abs(x - edge) <= 12 and box["y"] - 2 <= y <= box["y"] + box["height"] + 2:
                return box["name"]
        return None

    edges = set()
    for d in paths:
        match = CURVE.match(d.strip())
        if match:
            x1, y1, x2, y2 = map(float, match.groups())
            source, target = box_at(x1, y1, "right"), box_at(x2, y2, "left")
            if source and target and source != target:
                edges.add((source, target))
    return edges


def test_the_lineage_draws_every_group_connected(page, artifacts: Path) -> None:
    page.goto("/asset-groups")
    groups = page.locator("svg foreignObject.group")
    groups.first.wait_for()
    page.wait_for_function(f"() => document.querySelectorAll('svg foreignObject.group').length >= {len(GROUPS)}")
    page.wait_for_timeout(1000)  # let the layout settle before reading coordinates
    page.screenshot(path=str(artifacts / "lineage.png"))
    drawn = page.evaluate("""() => {
        const svg = [...document.querySelectorAll('svg')].find(s => s.querySelector('foreignObject.group'));
        const boxes = [...svg.querySelectorAll('foreignObject.group')].map(f => ({
            name: (f.querySelector('[data-tooltip]')?.getAttribute('data-tooltip') || f.textContent).trim(),
            x: +f.getAttribute('x'), y: +f.getAttribute('y'),
            width: +f.getAttribute('width'), height: +f.getAttribute('height')}));
        const paths = [...svg.querySelectorAll(':scope > path')].map(p => p.getAttribute('d'));
        return {boxes, paths};
    }""")
    assert {box["name"] for box in drawn["boxes"]} == GROUPS
    edges = _drawn_group_edges(drawn["boxes"], drawn["paths"])
    neighbours = defaultdict(set)
    for source, target in edges:
        neighbours[source].add(target)
        neighbours[target].add(source)
    seen, frontier = set(), ["crawl"]
    while frontier:
        group = frontier.pop()
        if group not in seen:
            seen.add(group)
            frontier.extend(neighbours[group] - seen)
    assert seen == GROUPS, f"groups drawn apart from crawl: {sorted(GROUPS - seen)}; edges {sorted(edges)}"
    assert ("train", "evaluate") in edges  # evaluation hangs off the trained checkpoint


def test_an_asset_page_shows_a_rendered_plot(page, artifacts: Path) -> None:
    page.goto("/assets/web_documents?view=events&partition=CC-MAIN-SAMPLE|00000")  # cc_dump|shard
    page.locator("tr", has_text="profile_plot").first.get_by_text("[Show Markdown]").click()
    plot = page.locator("img[alt='document profile']")
    plot.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector(\"img[alt='document profile']\");"
        " return i !== null && i.complete && i.naturalWidth > 0; }")
    size = plot.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    page.screenshot(path=str(artifacts / "plot.png"))
    assert size[0] > 100 and size[1] > 100
    assert plot.get_attribute("src").startswith("data:image/png;base64,")


def test_a_materialize_click_ends_in_a_successful_run(page, artifacts: Path) -> None:
    page.goto(f"/assets/{CHEAP_ASSET}")
    button = page.locator("button", has_text="Materialize").first
    button.wait_for()
    page.screenshot(path=str(artifacts / "before-materialize.png"))
    button.click()

    run_id, status = None, None
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        runs = _graphql(page, "{ runsOrError(limit: 20) { ... on Runs { results { runId status "
                              "assetSelection { path } } } } }")["runsOrError"]["results"]
        mine = [r for r in runs if [CHEAP_ASSET] in [a["path"] for a in r["assetSelection"] or []]]
        if mine:
            run_id, status = mine[0]["runId"], mine[0]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                break
        time.sleep(3)
    assert run_id is not None, "the click launched no run"
    page.goto(f"/runs/{run_id}")
    page.get_by_text(run_id[:8]).first.wait_for()
    if status == "SUCCESS":  # the run page's status tag, then its event log
        page.get_by_text("Success", exact=True).first.wait_for()
        page.get_by_text("RUN_SUCCESS").first.wait_for()
    page.screenshot(path=str(artifacts / "run.png"))
    assert status == "SUCCESS", f"run {run_id} ended {status}; see {artifacts / 'dagster-dev.log'}"
    materialized = _graphql(page, f'{{ assetOrError(assetKey: {{path: ["{CHEAP_ASSET}"]}}) {{ ... on Asset '
                                  '{ assetMaterializations(limit: 1) { runId metadataEntries { label '
                                  '... on IntMetadataEntry { intValue } } } } } }')
    latest = materialized["assetOrError"]["assetMaterializations"][0]
    assert latest["runId"] == run_id
    # the click ran the sample profile's settings (the demo's), not the paper's 100,000 seeds
    values = {entry["label"]: entry.get("intValue") for entry in latest["metadataEntries"]}
    assert values["positive_target"] == 2_000
