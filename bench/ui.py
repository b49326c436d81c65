"""Measure the explorer in a real browser: time to first render of search, an entity page and a graph view.

    python bench/ui.py [--runs 5] [--cap 500] [--screenshots docs/images] [--markdown FILE]

Builds the project's curated data (``data/curated``) into ``bench/out/ui/``, starts ``kg ui`` on a
free port of 127.0.0.1 and drives the system Chromium (``/usr/bin/chromium``) with Playwright. Each
figure is the wall time from ``page.goto`` until the page is drawn: Streamlit has finished the
script run and the page's own element is visible (a search hit; the entity's title; for the graph
view, the vis-network canvas with every node placed). The first run of each page is reported
apart ("cold": caches empty), then the median of the others (each a fresh browser tab).
Durations are measured, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "ui"
CHROMIUM = "/usr/bin/chromium"


def build_project() -> Path:
    """A kg.toml reading data/curated with its store under bench/out/ui; built."""
    from kg import build_graph, load_config

    OUT.mkdir(parents=True, exist_ok=True)
    config = OUT / "kg.toml"
    config.write_text(f'[store]\npath = "store"\n\n[[sources]]\nkind = "curated"\npath = "{ROOT / "data" / "curated"}"\n',
                      encoding="utf-8")
    build_graph(load_config(config))
    return config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ui(config: Path, port: int) -> subprocess.Popen:
    kg = Path(sys.executable).with_name("kg")
    log = (OUT / "kg-ui.log").open("wb")
    proc = subprocess.Popen([str(kg) if kg.exists() else "kg", "ui", "--config", str(config), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("kg ui did not start; see bench/out/ui/kg-ui.log")


def measure(browser, url: str, ready, shot: Path | None = None) -> float:
    """Seconds from navigation to the page drawn (``ready(page)`` returns when it is)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("[data-test-script-state=notRunning]", timeout=120_000)
    ready(page)
    elapsed = time.perf_counter() - start
    if shot is not None:
        page.wait_for_timeout(800)
        page.screenshot(path=str(shot), full_page=False)
    context.close()
    return elapsed


DRAWN: list[int] = []


def graph_ready(page) -> None:
    page.frame_locator("iframe").first.locator("body[data-kg-ready='1'] canvas").wait_for(timeout=120_000)
    frame = next(f for f in page.frames if f != page.main_frame and f.evaluate("typeof network !== 'undefined'"))
    DRAWN.append(frame.evaluate("Object.keys(network.getPositions()).length"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per page (the first is reported as cold)")
    ap.add_argument("--cap", type=int, default=500, help="node cap of the graph view")
    ap.add_argument("--seed", default="https://w3id.org/aigc-kg/resource/region/china",
                    help="the graph view's seed (its neighbourhood is cut at --cap)")
    ap.add_argument("--hops", type=int, default=3, help="hops of the graph view")
    ap.add_argument("--screenshots", type=Path, help="also save a screenshot of each page here")
    ap.add_argument("--markdown", type=Path, help="write the report to this file too")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    from kg import load_config, load_ontology, open_store
    from kg.explore import load_index

    config = build_project()
    store = open_store(load_config(config).store_path)
    index = load_index(store, load_ontology())
    ernie = next(h.entity.iri for h in index.search("文心一言").hits)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_ui(config, port)
    pages = {
        "search (文心一言)": (f"{base}/?q={quote('文心一言')}", lambda p: p.locator(".kg-hit a").first.wait_for()),
        "entity page (ERNIE Bot)": (f"{base}/?page=entity&iri={quote(ernie, safe='')}",
                                    lambda p: p.locator(".kg-entity-title").wait_for()),
        f"graph view (cap {args.cap})": (f"{base}/?page=graph&seed={quote(args.seed, safe='')}&hops={args.hops}&cap={args.cap}",
                                           graph_ready),
    }
    shots = {"search (文心一言)": "search.png", "entity page (ERNIE Bot)": "entity.png"}
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-background-networking"])
            for name, (url, ready) in pages.items():
                times = []
                for i in range(args.runs):
                    shot = None
                    if args.screenshots and i == args.runs - 1:
                        args.screenshots.mkdir(parents=True, exist_ok=True)
                        shot = args.screenshots / shots.get(name, "graph.png")
                    times.append(measure(browser, url, ready, shot))
                warm = times[1:] or times
                rows.append((name, times[0], statistics.median(warm), min(warm), max(warm)))
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    from importlib.metadata import version

    lines = [f"- date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
             f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
             f"- Python {platform.python_version()}; streamlit {version('streamlit')}, pyvis {version('pyvis')}, "
             f"playwright {version('playwright')}; Chromium {_chromium_version()}",
             f"- data: data/curated ({len(index)} entities); {args.runs} runs per page; graph view: "
             f"{args.hops} hops from {args.seed.rsplit('/', 1)[-1]}, {max(DRAWN, default=0)} nodes drawn",
             f"- load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
             f"- command: `python bench/ui.py --runs {args.runs} --cap {args.cap} --hops {args.hops}`", "",
             "| page | cold s | median s | min s | max s |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {n} | {c:.2f} | {m:.2f} | {lo:.2f} | {hi:.2f} |" for n, c, m, lo, hi in rows]
    report = "\n".join(lines)
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n", encoding="utf-8")


def _chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.split()[1] if len(out.split()) > 1 else out.strip()


if __name__ == "__main__":
    main()
