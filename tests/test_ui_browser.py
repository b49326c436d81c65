"""The explorer in a real headless Chromium, against a running `kg ui`.

Search 文心一言, open it, see its developer; draw the graph view; run a SPARQL example and download
its CSV; download an export and parse it; and check that labels holding HTML or script show as text.
Screenshots of each page go to the test's output folder (and to ``$KG_SCREENSHOTS`` when set).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from kg.namespaces import resource_iri

from test_ui_apptest import ERNIE_BOT, EVIL_EN, EVIL_IRI, EVIL_ZH, build_ui_project

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent (Debian package `chromium`; .ci/run installs it)")
BAIDU = resource_iri("org", "baidu")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ui(config: Path, port: int, log: Path) -> subprocess.Popen:
    """Start `kg ui` on 127.0.0.1:port and wait until Streamlit answers its health check."""
    kg = Path(sys.executable).with_name("kg")
    cmd = [str(kg) if kg.exists() else shutil.which("kg"), "ui", "--config", str(config), "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kg ui exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop_ui(proc)
    raise RuntimeError(f"kg ui did not answer on port {port}: {log.read_text(errors='replace')[-2000:]}")


def stop_ui(proc: subprocess.Popen) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # kg ui and the streamlit process it started
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script for the page."""
    page.wait_for_selector("[data-test-script-state=notRunning]", timeout=timeout)
    page.wait_for_timeout(300)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-browser")
    proj = build_ui_project(root / "proj")
    port = free_port()
    proc = start_ui(proj.config, port, root / "kg-ui.log")
    yield f"http://127.0.0.1:{port}"
    stop_ui(proc)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    out = tmp_path_factory.mktemp("screenshots")
    extra = os.environ.get("KG_SCREENSHOTS")

    def save(page, name: str) -> Path:
        path = out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        return path
    return save


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def graph_frame(page):
    """The graph view's iframe, once vis-network has drawn it."""
    page.wait_for_selector("iframe", timeout=30_000)
    frame = page.frame_locator("iframe").first
    frame.locator("body[data-kg-ready='1'] canvas").wait_for(timeout=30_000)
    return next(f for f in page.frames if f != page.main_frame and f.evaluate("typeof network !== 'undefined'"))


def test_search_open_entity_and_see_its_developer(server, page, shots):
    page.goto(server)
    wait_idle(page)
    box = page.get_by_label("Search names and aliases")
    box.fill("文心一言")
    box.press("Enter")
    page.locator(".kg-hit a", has_text="ERNIE Bot").first.wait_for(timeout=30_000)
    wait_idle(page)
    shots(page, "search")
    page.locator(".kg-hit a", has_text="ERNIE Bot").first.click()
    page.locator(".kg-entity-title", has_text="ERNIE Bot").wait_for(timeout=30_000)
    wait_idle(page)
    assert "文心一言" in page.content()
    relation = page.locator(".kg-rel", has_text="provided by")
    assert relation.locator("a", has_text="Baidu").count() == 1
    assert page.locator(".kg-rel", has_text="governs").count() == 1
    shots(page, "entity")


def test_graph_view_draws_nodes_and_exports_turtle(server, page, shots, tmp_path):
    import rdflib

    page.goto(f"{server}/?page=graph&seed={quote(ERNIE_BOT, safe='')}&hops=2")
    wait_idle(page)
    frame = graph_frame(page)
    drawn = frame.evaluate("Object.keys(network.getPositions()).length")
    assert drawn == frame.evaluate("nodes.length") and drawn > 5
    assert frame.evaluate("network.physics.options.enabled") is False
    assert page.get_by_text("Showing", exact=False).count() >= 1
    shots(page, "graph")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download turtle").click()
    path = tmp_path / "view.ttl"
    info.value.save_as(path)
    g = rdflib.Graph().parse(path, format="turtle")
    assert (rdflib.URIRef(ERNIE_BOT), rdflib.URIRef("https://w3id.org/aigc-kg/ontology#providedBy"),
            rdflib.URIRef(BAIDU)) in g


def test_sparql_example_runs_and_its_csv_downloads(server, page, shots, tmp_path):
    page.goto(f"{server}/?page=query")
    wait_idle(page)
    page.get_by_role("button", name="Run SPARQL").click()
    page.get_by_text("row(s)", exact=False).first.wait_for(timeout=30_000)
    wait_idle(page)
    page.locator("[data-testid=stDataFrame] canvas").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    shots(page, "query")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "result.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert {"ERNIE 3.5", "ERNIE Speed"} <= {r["name"] for r in rows}


def test_hostile_labels_show_as_text_everywhere(server, page, shots):
    def no_injected_elements(target) -> None:
        assert target.locator("img[src='x']").count() == 0
        assert target.evaluate("[...document.scripts].filter(s => s.textContent.includes('alert(2)') "
                               "&& !s.textContent.includes('DataSet')).length") == 0

    page.goto(f"{server}/?q=onerror")
    wait_idle(page)
    hit = page.locator(".kg-hit a").first
    hit.wait_for(timeout=30_000)
    assert hit.inner_text() == EVIL_EN
    no_injected_elements(page)
    page.goto(f"{server}/?page=entity&iri={quote(EVIL_IRI, safe='')}")
    wait_idle(page)
    assert page.locator(".kg-entity-title").inner_text() == EVIL_EN
    assert EVIL_ZH in page.locator("[data-testid=stMainBlockContainer]").inner_text()
    no_injected_elements(page)
    shots(page, "injection-entity")
    page.goto(f"{server}/?page=graph&seed={quote(EVIL_IRI, safe='')}")
    wait_idle(page)
    frame = graph_frame(page)
    assert frame.evaluate(f"nodes.get({EVIL_IRI!r}).label") == EVIL_EN
    no_injected_elements(frame)
    page.wait_for_timeout(500)
    assert page.dialogs == []
