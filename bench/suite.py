"""The benchmark suite: every figure of issue 8 at 100k, 1M and 10M triples, each against a peer.

    python bench/suite.py [--sizes 100k,1m,10m] [--seed 42] [--cap 60] [--csv docs/benchmarks-suite.csv]

For each size the seeded AIGC-shaped generator (bench/generate.py) writes the data, then every
stage runs in its own child process (so its peak RSS, ``ru_maxrss`` from ``os.wait4``, is its own;
a watchdog stops a child whose RSS passes ``--rss-cap``), with the load average of the machine
recorded at its start and end:

- build: ``kg.build_graph`` (read, map, store write, SHACL + data checks, commit) against rdflib's
  in-memory ``Graph().parse`` of the same data triples (N-Triples dumped from the built store);
- SPARQL: the research queries of bench/queries/*.rq (p50/p95 over repeated runs, after one cold
  run) on the store against the same queries on that rdflib Graph, each rdflib query capped at
  ``--cap`` seconds;
- SHACL: ``kg.validate.validate_store`` (full) and ``kg.validate.validate_changed`` (1% of the
  entities changed) against pySHACL on the rdflib Graph (full; pySHACL has no incremental mode);
- Neo4j: ``kg sync`` first, unchanged and with 1% of the entities changed, against the
  rdflib-neo4j package, on a server the suite starts itself (heap sized for the size);
- export: every format of ``kg export`` for the whole data graph against rdflib's N-Triples and
  Turtle serialisers;
- explorer: the graph view's neighbourhood selection (``select_subgraph``, node cap 500, the walk
  stopping at 501 nodes) from the hub organisation, 1 and 2 hops, against the same k-hop walk as a
  SPARQL property path with LIMIT 501 in rdflib.

Ratios are "peer time / kg time": above 1 means kg is faster. A peer that does not finish within
its bound is reported as such, with the bound. Prints a markdown table and writes a CSV; every
number comes from the run that prints it. Durations are measured, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import threading
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
sys.path.insert(0, str(HERE))

import build as bench_build  # noqa: E402  (bench/build.py: build children, machine header)
import sync as bench_sync  # noqa: E402  (bench/sync.py: sync children, Neo4j helpers)

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
# Seconds the build may run unless --build-cap says otherwise.
BUILD_CAP = {"10k": 1800.0, "100k": 1800.0, "1m": 1800.0, "10m": 7200.0}
# Neo4j memory per size: heap, page cache, transaction memory.
NEO4J_MEMORY = {"10k": ("512m", "256m", "512m"), "100k": ("1g", "512m", "1g"), "1m": ("2g", "1g", "1g"), "10m": ("3g", "3g", "2g")}
SYNC_BATCH = 5000

PRELUDE = bench_build.CHILD_PRELUDE + r"""
import signal
class Timeout(Exception):
    pass
def _alarm(*_):
    raise Timeout()
signal.signal(signal.SIGALRM, _alarm)
def capped(seconds, fn, *a, **k):
    '''(value, seconds) of fn(*a, **k), or (None, None) when it runs longer than ``seconds``.'''
    signal.alarm(int(seconds))
    t = time.perf_counter()
    try:
        return fn(*a, **k), time.perf_counter() - t
    except Timeout:
        return None, None
    finally:
        signal.alarm(0)
def repeat(fn, runs, budget):
    '''A cold run, then up to ``runs`` timed runs (fewer once ``budget`` seconds are spent).'''
    t = time.perf_counter(); value = fn(); cold = time.perf_counter() - t
    times = []
    while len(times) < runs and (len(times) < 3 or sum(times) < budget):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return value, cold, times
"""

# kg: the research queries and the explorer's neighbourhood selection on the built store.
CHILD_QUERIES = PRELUDE + r"""
sys.path.insert(0, sys.argv[4])
import pyoxigraph as ox
import kg
from kg.export import select_subgraph
from kg.query import run_sparql
from research import load_queries, pick_seed
store = ox.Store.read_only(sys.argv[1]); runs = int(sys.argv[2]); budget = float(sys.argv[3])
ontology = kg.load_ontology()
emit(ev="imported")
seed = pick_seed(store)
emit(ev="seed", seed=seed)
for q in load_queries():
    text = q.bound(seed)
    result, cold, times = repeat(lambda: run_sparql(store, text), runs, budget)
    emit(ev="query", name=q.name, cold=cold, times=times, rows=len(result.rows))
for hops in (1, 2):
    sel, cold, times = repeat(lambda: select_subgraph(store, [seed], hops=hops, limit=500, ontology=ontology,
                                                      stop_at_limit=True),
                              runs, budget)
    emit(ev="hops", hops=hops, cold=cold, times=times, nodes=len(sel.nodes), total=sel.total_nodes)
emit(ev="done")
"""

# kg: incremental validation (1% of the entities), then the full validation of the build.
CHILD_SHACL = PRELUDE + r"""
import random
import pyoxigraph as ox
import kg
from kg.pgmap import typed_resources
from kg.validate import affected_nodes, validate_changed, validate_store
store = ox.Store.read_only(sys.argv[1]); seed = int(sys.argv[2])
ontology = kg.load_ontology()
emit(ev="imported")
subjects = sorted(typed_resources(store))
changed = random.Random(seed).sample(subjects, max(1, len(subjects) // 100))
t = time.perf_counter()
findings = validate_changed(store, ontology, changed)
emit(ev="incremental", s=time.perf_counter() - t, changed=len(changed),
     focus=len(affected_nodes(store, changed)), findings=len(findings))
if sys.argv[3] == "full":
    t = time.perf_counter()
    findings = validate_store(store, ontology)
    emit(ev="full", s=time.perf_counter() - t, findings=len(findings), entities=len(subjects))
emit(ev="done")
"""

# kg: the whole data graph (with provenance) written in every export format.
CHILD_EXPORT = PRELUDE + r"""
import pyoxigraph as ox
import kg
from kg.export import FORMATS, export_subgraph, select_nodes, select_subgraph
from kg.pgmap import typed_resources
from pathlib import Path
store = ox.Store.read_only(sys.argv[1]); work = Path(sys.argv[2]); seed = sys.argv[3]
work.mkdir(parents=True, exist_ok=True)
ontology = kg.load_ontology()
emit(ev="imported")
t = time.perf_counter()
whole = select_nodes(store, sorted(typed_resources(store)), with_sources=True)
emit(ev="select", s=time.perf_counter() - t, triples=len(whole.triples()))
one_hop = select_subgraph(store, [seed], hops=1, ontology=ontology)
for fmt, spec in FORMATS.items():
    sel = one_hop if fmt == "html" else whole  # a browser cannot draw millions of nodes
    dest = work / ("csv-folder" if fmt == "csv" else f"whole{spec.extension}")
    if dest.is_dir():
        __import__("shutil").rmtree(dest)
    t = time.perf_counter()
    export_subgraph(sel, fmt, dest, ontology=ontology, force=True)
    s = time.perf_counter() - t
    size = sum(p.stat().st_size for p in dest.iterdir()) if dest.is_dir() else dest.stat().st_size
    emit(ev="format", fmt=fmt, s=s, triples=len(sel.triples()), bytes=size)
emit(ev="done")
"""

# rdflib, the peer of every stage but Neo4j: one in-memory Graph (the default store), loaded once.
CHILD_RDFLIB = PRELUDE + r"""
sys.path.insert(0, sys.argv[3])
import rdflib
nt, seed, cap, load_cap, runs, budget, preds, out = (sys.argv[1], sys.argv[2], float(sys.argv[4]),
    float(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), json.loads(sys.argv[8]), sys.argv[9])
shacl_cap = float(sys.argv[10])
from research import load_queries
from kg.namespaces import PREFIXES
from kg.query import with_prefixes
emit(ev="imported")
g = rdflib.Graph()
done, s = capped(load_cap, g.parse, nt, format="nt")
if done is None:
    emit(ev="load", s=None, cap=load_cap)
    sys.exit(0)
emit(ev="load", s=s, triples=len(g))
def query(text):
    return len(list(g.query(text)))
def timed(text):  # the row count and cold time, then warm times (at least 3, up to runs or budget)
    rows, cold = capped(cap, query, text)
    times = []
    while rows is not None and len(times) < runs and (len(times) < 3 or sum(times) < budget):
        _, s = capped(cap, query, text)
        if s is None:
            break
        times.append(s)
    return rows, cold, times
for q in load_queries():
    rows, cold, times = timed(with_prefixes(q.bound(seed)))
    emit(ev="query", name=q.name, cold=cold, times=times, rows=rows, cap=cap)
step = "(" + "|".join(f"<{p}>|^<{p}>" for p in preds) + ")"
for hops in (1, 2):
    # LIMIT 501, as the graph view stops once it has one node more than its cap of 500
    rows, cold, times = timed(f"SELECT DISTINCT ?n WHERE {{ <{seed}> {'/'.join([step + '?'] * hops)} ?n }} LIMIT 501")
    emit(ev="hops", hops=hops, cold=cold, times=times, nodes=rows, cap=cap)
for fmt in ("nt", "turtle"):
    def ser():
        with open(out + "." + fmt, "wb") as fh:
            g.serialize(fh, format=fmt)
    _, s = capped(shacl_cap, ser)
    emit(ev="serialize", fmt=fmt, s=s, cap=shacl_cap)
import kg
from pyshacl import validate
ontology = kg.load_ontology()
def shacl():
    g.__iadd__(ontology.graph)  # as kg does: the ontology beside the data, for rdfs:subClassOf
    conforms, results, _ = validate(g, shacl_graph=ontology.shapes, inference="none", advanced=False,
                                    allow_warnings=True)
    return conforms
conforms, s = capped(shacl_cap, shacl)
emit(ev="shacl", s=s, conforms=conforms, cap=shacl_cap)
emit(ev="done")
"""

# The store of a size the build cannot hold in memory: the same library steps (read_curated,
# map_records, _fill) one YAML file (one named graph) at a time, every other file's ids known from
# the generator's regular "- id: / kind:" lines; no validation. Only the benchmark does this.
CHILD_CHUNKED = bench_build.CHILD_PRELUDE + r"""
import re
from pathlib import Path
import kg, kg.build as B
from kg.errors import Finding
from kg.namespaces import resource_iri
from kg.store import new_generation
cfg = kg.load_config(sys.argv[1], store=sys.argv[2])
onto = kg.load_ontology(cfg.ontology_path, cfg.shapes_path)
source = cfg.sources[0].path
files = sorted(Path(source).glob("*.yaml"))
emit(ev="imported")
t = time.perf_counter()
kinds = onto.record_kinds()
known, own = {}, {}
for f in files:
    graph = B.curated_graph_iri(f, source)
    own[f] = []
    for rid, kind in re.findall(r"^- id: (\S+)\n  kind: (\w+)$", f.read_text(encoding="utf-8"), re.M):
        known[rid] = B.Entity(resource_iri(kinds[kind].segment, rid), kinds[kind], graph)
        own[f].append(rid)
emit(ev="end", stage="index", s=time.perf_counter() - t, ids=len(known))
quads = 0
times = {"read": 0.0, "map": 0.0, "write": 0.0}
with new_generation(cfg.store_path) as gen:
    for f in files:
        findings = []
        t = time.perf_counter()
        pairs = B._curated_pairs(f, findings, cfg.root)
        times["read"] += time.perf_counter() - t
        t = time.perf_counter()
        others = dict(known)
        for rid in own[f]:
            del others[rid]
        mapped = B.map_records(pairs, onto, findings, others)
        times["map"] += time.perf_counter() - t
        errors = [x for x in findings if x.level == "ERROR"]
        if errors:
            emit(ev="error", message=f"{f}: {errors[0].message}")
            sys.exit(1)
        t = time.perf_counter()
        B._fill(gen.store, mapped, onto, sorted(set(mapped.graphs.values())))
        times["write"] += time.perf_counter() - t
        quads += len(mapped.quads)
        del pairs, mapped
    # _fill loads the ontology with each file (fresh blank nodes each time): keep one copy
    import pyoxigraph as ox
    from kg.namespaces import ONTOLOGY_GRAPH
    t = time.perf_counter()
    gen.store.clear_graph(ox.NamedNode(ONTOLOGY_GRAPH))
    gen.store.bulk_load(path=str(onto.path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    times["write"] += time.perf_counter() - t
    for k, v in times.items():
        emit(ev="end", stage=k, s=v)
    t = time.perf_counter()
    stats = kg.graph_stats(gen.store, onto)
    emit(ev="end", stage="stats", s=time.perf_counter() - t)
    n = len(gen.store)
    t = time.perf_counter()
    gen.commit()
    emit(ev="end", stage="commit", s=time.perf_counter() - t)
emit(ev="done", seconds=time.perf_counter() - T0, triples=stats.triples, quads=n, files=len(files))
"""

# bench/build.py's build child, also timing the whole validation step (SHACL + data checks) of the build.
CHILD_BUILD = bench_build.CHILD_BUILD.replace(
    '(S.Generation, "commit", "commit")]', '(S.Generation, "commit", "commit"), (B, "validate_replaced", "validate")]')
assert CHILD_BUILD != bench_build.CHILD_BUILD

CHILD_NT = bench_build.CHILD_PRELUDE + r"""
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from sync import dump_ntriples
t = time.perf_counter()
n = dump_ntriples(Path(sys.argv[1]), Path(sys.argv[2]))
emit(ev="done", seconds=time.perf_counter() - t, triples=n)
"""

CHILD_CHANGED = bench_build.CHILD_PRELUDE + r"""
sys.path.insert(0, sys.argv[4])
from pathlib import Path
from sync import changed_copy
t = time.perf_counter()
n = changed_copy(Path(sys.argv[1]), Path(sys.argv[2]), 0.01, int(sys.argv[3]))
emit(ev="done", seconds=time.perf_counter() - t, changed=n)
"""

CHILD_SYNC = bench_build.CHILD_PRELUDE + bench_sync.CHILD_SYNC.replace(
    "print(json.dumps({", "emit(ev='done', **{").replace(
    '"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))', "})")
CHILD_RDFLIB_NEO4J = bench_build.CHILD_PRELUDE + bench_sync.CHILD_RDFLIB_NEO4J.replace(
    "print(json.dumps({", "emit(ev='done', **{").replace(
    '"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))', "})")


# ---------------------------------------------------------------------------- children

def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(code: str, args: list, log: Path, timeout: float, rss_cap_mb: float) -> dict:
    """Run ``python -c code args``; stop it after ``timeout`` s or past ``rss_cap_mb`` of RSS.

    Returns its JSON events, wall time, peak RSS, load averages at start and end, and why it stopped.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()[0]
    started = time.perf_counter()
    stopped = None
    with open(log, "w", encoding="utf-8") as out, open(log.with_suffix(".err"), "w", encoding="utf-8") as err:
        proc = subprocess.Popen([PY, "-c", code, *map(str, args)], stdout=out, stderr=err, cwd=ROOT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.perf_counter() - started
            if elapsed > timeout:
                stopped = f"did not finish in {timeout:.0f} s"
            elif _rss_mb(proc.pid) > rss_cap_mb:
                stopped = f"stopped at the {rss_cap_mb / 1024:.0f} GB RSS cap after {elapsed:.0f} s"
            if stopped:
                os.kill(proc.pid, signal.SIGKILL)  # our own child, by its id
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.2)
    events = read_events(log)
    code_ = os.waitstatus_to_exitcode(status)
    failed = None
    if not stopped and code_ != 0:
        failed = f"failed (exit {code_}): " + log.with_suffix(".err").read_text(encoding="utf-8")[-600:].strip()
    return {"events": events, "wall": time.perf_counter() - started, "peak_mb": usage.ru_maxrss / 1024,
            "stopped": stopped, "failed": failed, "load_start": round(load0, 2),
            "load_end": round(os.getloadavg()[0], 2)}


def start_suite_neo4j(state: Path, label: str):
    """Start the suite's Neo4j for a size (memory of ``NEO4J_MEMORY``, a fresh password, any free
    port on 127.0.0.1) and return its connection settings; ``stop_server(state)`` stops it."""
    from kg.neo4j_client import Neo4jSettings
    from kg.neo4j_server import start_server

    heap, pagecache, tx = NEO4J_MEMORY[label]
    os.environ["KG_SUITE_NEO4J_PASSWORD"] = "suite-" + secrets.token_hex(6)
    status = start_server(state, port=0, heap=heap, pagecache=pagecache, tx_memory=tx,
                          password_env="KG_SUITE_NEO4J_PASSWORD")
    return Neo4jSettings(uri=status.uri, password=os.environ["KG_SUITE_NEO4J_PASSWORD"])


def read_events(log: Path) -> list[dict]:
    """A child's JSON events; a line that is not one (two processes wrote into it) is skipped."""
    events = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return events


def _ev(result: dict, name: str, **match) -> list[dict]:
    return [e for e in result["events"] if e.get("ev") == name and all(e.get(k) == v for k, v in match.items())]


def _pct(times: list[float], q: float) -> float | None:
    if not times:
        return None
    if len(times) == 1:
        return times[0]
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1]


# ---------------------------------------------------------------------------- one size

class Size:
    """The figures of one size; ``add`` records one row of the table."""

    def __init__(self, label: str, args, say):
        self.label, self.args, self.say = label, args, say
        self.target = SIZES[label]
        self.build_cap = args.build_cap or BUILD_CAP[label]
        self.work = args.out / f"synth-{label}-s{args.seed}"
        self.rows: list[dict] = []
        self.facts: dict = {"size": label, "bounds": (
            f"rdflib query {args.cap:.0f} s each; rdflib parse and rdflib-neo4j {args.peer_load_cap:.0f} s; "
            f"pySHACL and rdflib serialisers {args.peer_cap:.0f} s each; kg build {self.build_cap:.0f} s; "
            f"kg SHACL {args.stage_cap:.0f} s; export {args.export_cap:.0f} s; other kg stages "
            f"{args.stage_cap:.0f} s; RSS cap {args.rss_cap:.0f} GB per child")}

    def add(self, stage: str, figure: str, ours=None, peer=None, *, ours_p95=None, peer_p95=None,
            ours_mb=None, peer_mb=None, status="", load=(None, None), peer_load=(None, None), note=""):
        ratio = round(peer / ours, 2) if ours and peer else None
        self.rows.append({"size": self.label, "triples": self.facts.get("triples"), "stage": stage,
                          "figure": figure, "kg_s": _r(ours), "kg_p95_s": _r(ours_p95), "peer_s": _r(peer),
                          "peer_p95_s": _r(peer_p95), "speedup": ratio, "kg_peak_mb": _mb(ours_mb),
                          "peer_peak_mb": _mb(peer_mb), "status": status, "kg_load_start": load[0],
                          "kg_load_end": load[1], "peer_load_start": peer_load[0], "peer_load_end": peer_load[1],
                          "note": note})

    def child(self, name: str, code: str, args: list, timeout: float) -> dict:
        self.say(f"[{self.label}] {name}")
        return run_child(code, args, self.work / "logs" / f"{name}.jsonl", timeout, self.args.rss_cap * 1024)

    # -- stages ------------------------------------------------------------------------------
    def generate(self) -> None:
        self.say(f"[{self.label}] generating (seed {self.args.seed})")
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        subprocess.run([PY, str(HERE / "generate.py"), "--triples", str(self.target), "--seed", str(self.args.seed),
                        "--out", str(self.work)], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        gen = json.loads((self.work / "generated.json").read_text(encoding="utf-8"))
        self.facts.update(generated=gen["triples"], gen_s=gen["seconds"], records=gen["records_total"])

    def build(self, store: Path | None = None, fallback: bool = True) -> Path | None:
        """kg build (or, when it does not finish, the build without SHACL, for a store to query)."""
        store = store or self.work / "store"
        b = self.child("build", CHILD_BUILD, [self.work / "kg.toml", store], self.build_cap)
        running, ran = self._take_build(b)
        if not _ev(b, "done"):
            why = b["stopped"] or b["failed"] or "no result"
            self.build_result = (None, b, f"{why}; in stage {running} (running {ran:.0f} s)")
            self.say(f"[{self.label}] build: {self.build_result[2]}")
            if not fallback:
                return None
            if b["stopped"] and "RSS" in b["stopped"] and running in ("read", "map", "write"):
                # the build without SHACL holds the same records and quads: it would stop there too
                self.facts["nosh"] = (None, b["peak_mb"], f"not run: the build was stopped in {running}, "
                                      "before validation, which the build without SHACL also goes through")
                return None
            w = self.child("build-without-shacl", bench_build.CHILD_WRITE, [self.work / "kg.toml", store],
                           4 * self.build_cap)
            wd = _ev(w, "done")
            self.facts["nosh"] = (wd[0]["seconds"] if wd else None, w["peak_mb"], w["stopped"] or w["failed"])
            if not wd:
                return None
            self.facts.update(triples=wd[0]["triples"], quads=wd[0]["quads"])
        from kg.store import current_generation

        return current_generation(store)

    def chunked_store(self) -> Path | None:
        """The store written file by file (no validation): for sizes the build cannot hold."""
        c = self.child("store-file-by-file", CHILD_CHUNKED, [self.work / "kg.toml", self.work / "store"],
                       4 * self.build_cap)
        d = _ev(c, "done")
        stages = {e["stage"]: round(e["s"], 1) for e in _ev(c, "end")}
        self.add("build", "store written file by file, no validation (bench path; not the build)",
                 d[0]["seconds"] if d else None, ours_mb=c["peak_mb"],
                 status=("ok" if d else f"{c['stopped'] or c['failed']}"), load=(c["load_start"], c["load_end"]),
                 note="stages: " + ", ".join(f"{k} {v}" for k, v in stages.items()))
        if not d:
            return None
        self.facts.update(triples=d[0]["triples"], quads=d[0]["quads"])
        from kg.store import current_generation

        return current_generation(self.work / "store")

    def _take_build(self, b: dict) -> tuple[str | None, float]:
        """Record a build child's stage times, validation step, load and result; return the stage
        it was in when stopped (None if it finished) and how long that stage had run."""
        stages, running, ran = bench_build.stage_times(b["events"], b["wall"])
        # shacl_pyshacl: logs written before the stage wrappers ignored the forked SHACL workers
        self.facts["build_stages"] = {k: round(v, 2) for k, v in stages.items() if k != "shacl_pyshacl"}
        self.facts["build_load"] = (b["load_start"], b["load_end"])
        end = [e for e in _ev(b, "end") if e.get("stage") == "validate"]
        if end:
            self.facts["build_validate"] = (end[0]["s"], end[0]["rss_mb"])
        done = _ev(b, "done")
        if done:
            self.facts.setdefault("triples", done[0]["triples"])
            self.facts.setdefault("quads", done[0]["quads"])
            self.build_result = (done[0]["seconds"], b)
        return running, ran

    def resume_build(self) -> Path | None:
        """The store and build figures of an earlier run of this size (``--resume``), from the
        generator's summary and the build child's event log; None when that build did not finish."""
        gen_info = self.work / "generated.json"
        log = self.work / "logs" / "build.jsonl"
        if not gen_info.exists() or not log.exists():
            return None
        gen = json.loads(gen_info.read_text(encoding="utf-8"))
        self.facts.update(generated=gen["triples"], gen_s=gen["seconds"], records=gen["records_total"])
        events = read_events(log)
        b = {"events": events, "wall": events[-1]["t"] if events else 0.0,
             "peak_mb": max((e.get("rss_mb", 0) for e in events), default=0), "stopped": None,
             "failed": None, "load_start": None, "load_end": None}
        if not _ev(b, "done"):
            return None
        self._take_build(b)
        self.facts["resumed"] = f"build from the run logged in {log}"
        from kg.store import current_generation

        return current_generation(self.work / "store")

    def run(self) -> None:
        a = self.args
        chunked = self.label in a.file_by_file
        gen = self.resume_build() if a.resume else None
        if gen is None:
            self.generate()
            gen = self.chunked_store() if chunked else self.build()
        nt = self.work / "data.nt"
        rdf = None
        peer = None
        if gen is not None:
            d = self.child("dump-ntriples", CHILD_NT, [gen, nt, HERE], self.build_cap)
            self.facts["nt_triples"] = (_ev(d, "done") or [{}])[0].get("triples")
            seed = self._seed(gen)
            self.facts["seed"] = seed
            import kg

            preds = sorted({p.iri for p in kg.load_ontology().properties.values() if p.is_object})
            peer_args = (CHILD_RDFLIB, [nt, seed, HERE, a.cap, a.peer_load_cap, a.runs, a.budget,
                                        json.dumps(preds), self.work / "rdflib-out", a.peer_cap],
                         a.peer_load_cap + 30 * a.cap + 4 * a.peer_cap)
            if a.peer_alongside:  # in a thread, while the kg SPARQL and SHACL children run
                box: dict = {}
                peer = threading.Thread(target=lambda: box.update(self.child("rdflib", *peer_args)))
                peer.start()
            else:
                rdf = self.child("rdflib", *peer_args)
        if gen is None:
            if not chunked:
                self._stage("build", lambda: self._build_rows(rdf))
            for stage in ("sparql", "shacl", "neo4j", "export", "explorer"):
                self.add(stage, "all", status="not run: no store of this size (the build did not finish)")
            return
        q = self.child("kg-queries", CHILD_QUERIES, [gen, a.runs, a.budget, HERE], a.stage_cap)
        # the full validation is timed inside the build; run it on its own only when there was no build
        full = "validate" not in self.facts.get("build_stages", {})
        sh = self.child("kg-shacl", CHILD_SHACL, [gen, a.seed, "full" if full else "incremental"], a.stage_cap)
        if peer is not None:
            peer.join()
            rdf = box
            self.facts["peer_alongside"] = True
        if not chunked:
            self._stage("build", lambda: self._build_rows(rdf))
        self._stage("sparql", lambda: self._query_rows(q, rdf))
        self._stage("shacl", lambda: self._shacl_rows(sh, rdf))
        if "neo4j" in a.stages:
            self._stage("neo4j", lambda: self._neo4j(gen, nt))
        if chunked:  # the real build, to see how far it gets within the bounds
            def attempt():
                self.build(self.work / "store-build", fallback=False)
                self._build_rows(rdf)
                shutil.rmtree(self.work / "store-build", ignore_errors=True)
            self._stage("build", attempt)
        if "export" in a.stages:
            self._stage("export", lambda: self._export_rows(self.child(
                "kg-export", CHILD_EXPORT, [gen, self.work / "export", self.facts["seed"]], a.export_cap), rdf))
        else:
            self.add("export", "all", status="not run in this suite run (--stages)")
        for p in (nt, self.work / "rdflib-out.nt", self.work / "rdflib-out.turtle"):
            p.unlink(missing_ok=True)
        shutil.rmtree(self.work / "export", ignore_errors=True)

    def _stage(self, name: str, fn) -> None:
        """Run one stage; a failure of the benchmark itself becomes a row, and the next stage runs."""
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - reported in the table, the suite goes on
            self.say(f"[{self.label}] {name} failed: {exc!r}")
            self.add(name, "(stage)", status=f"benchmark error: {exc!r}"[:300])
        self.save(partial=True)

    def save(self, partial: bool = False) -> None:
        """Write the rows so far to OUT/result-SIZE.json (``--merge`` reports from these files)."""
        facts = dict(self.facts, partial=partial)
        (self.args.out / f"result-{self.label}.json").write_text(
            json.dumps({"rows": self.rows, "facts": facts}, indent=1), encoding="utf-8")

    def _seed(self, gen: Path) -> str:
        import pyoxigraph as ox
        from research import pick_seed

        return pick_seed(ox.Store.read_only(str(gen)))

    # -- rows --------------------------------------------------------------------------------
    def _build_rows(self, rdf) -> None:
        seconds, b, *why = self.build_result
        load = (b["load_start"], b["load_end"])
        peer = _ev(rdf, "load")[0] if rdf and _ev(rdf, "load") else None
        peer_s = peer["s"] if peer else None
        peer_mb = peer["rss_mb"] if peer and peer_s else (rdf["peak_mb"] if rdf else None)
        status = []
        if why:
            status.append(f"kg build {why[0]}")
            nosh = self.facts.get("nosh")
            if nosh:
                status.append(f"build without SHACL: {_fmt(nosh[0])} s, peak {nosh[1]:,.0f} MB"
                              + (f" ({nosh[2]})" if nosh[2] else ""))
        if rdf is None or not peer:
            status.append("rdflib not run")
        elif peer_s is None:
            status.append(f"rdflib parse did not finish in {peer['cap']:.0f} s"
                          if not rdf["stopped"] else f"rdflib {rdf['stopped']}")
        elif rdf["stopped"]:
            status.append(f"rdflib child {rdf['stopped']} (after loading)")
        self.add("build", "full build vs rdflib Graph.parse (N-Triples)", seconds, peer_s,
                 ours_mb=b["peak_mb"], peer_mb=peer_mb, status="; ".join(status), load=load,
                 peer_load=(rdf["load_start"], rdf["load_end"]) if rdf else (None, None),
                 note="stages: " + ", ".join(f"{k} {v}" for k, v in self.facts.get("build_stages", {}).items()))

    def _query_rows(self, q, rdf) -> None:
        load, pload = (q["load_start"], q["load_end"]), ((rdf["load_start"], rdf["load_end"]) if rdf else (None, None))
        peers = {e["name"]: e for e in _ev(rdf, "query")} if rdf else {}
        for e in _ev(q, "query"):
            p = peers.get(e["name"])
            status = ""
            if p is None:
                status = "rdflib: not run (no rdflib graph)"
            elif p["rows"] is None:
                status = f"rdflib did not finish in {p['cap']:.0f} s"
            elif p["rows"] != e["rows"]:
                status = f"rows differ: kg {e['rows']}, rdflib {p['rows']}"
            times = p["times"] if p else []
            self.add("sparql", e["name"], _pct(e["times"], 50), _pct(times, 50), ours_p95=_pct(e["times"], 95),
                     peer_p95=_pct(times, 95), ours_mb=q["peak_mb"], peer_mb=rdf["peak_mb"] if rdf else None,
                     status=status or f"{e['rows']} rows; runs kg {len(e['times'])}, rdflib {len(times)}",
                     load=load, peer_load=pload)
        if q["stopped"] or q["failed"]:
            self.add("sparql", "(child)", status=q["stopped"] or q["failed"], load=load)
        peersh = {e["hops"]: e for e in _ev(rdf, "hops")} if rdf else {}
        for e in _ev(q, "hops"):
            p = peersh.get(e["hops"])
            times = p["times"] if p else []
            status = (f"kg {e['nodes']} nodes (cap 500, the walk stops at 501); rdflib "
                      + ("not run" if p is None else f"did not finish in {p['cap']:.0f} s" if p["nodes"] is None
                         else f"{p['nodes']} nodes (LIMIT 501)"))
            self.add("explorer", f"graph view: {e['hops']}-hop neighbourhood of the hub", _pct(e["times"], 50),
                     _pct(times, 50), ours_p95=_pct(e["times"], 95), peer_p95=_pct(times, 95), ours_mb=q["peak_mb"],
                     status=status, load=load, peer_load=pload)

    def _shacl_rows(self, s, rdf) -> None:
        load, pload = (s["load_start"], s["load_end"]), ((rdf["load_start"], rdf["load_end"]) if rdf else (None, None))
        p = _ev(rdf, "shacl")[0] if rdf and _ev(rdf, "shacl") else None
        peer_s = p["s"] if p else None
        pstatus = ("pySHACL not run" if p is None else f"pySHACL did not finish in {p['cap']:.0f} s"
                   if peer_s is None else f"pySHACL conforms={p['conforms']}")
        inc = _ev(s, "incremental")
        full = _ev(s, "full")
        if inc:
            e = inc[0]
            self.add("shacl", f"incremental ({e['changed']:,} changed entities, {e['focus']:,} focus nodes) vs "
                     "pySHACL full", e["s"], peer_s, ours_mb=e["rss_mb"], peer_mb=p["rss_mb"] if p else None,
                     status=f"{e['findings']} findings; {pstatus}", load=load, peer_load=pload,
                     note="SHACL on the focus nodes + the data checks on the whole store")
        else:
            self.add("shacl", "incremental (1% of the entities) vs pySHACL full", status=(
                f"kg {s['stopped'] or s['failed'] or 'gave no result'}; {pstatus}"), load=load, peer_load=pload)
        in_build = self.facts.get("build_validate")
        if in_build:  # (seconds, RSS so far) of the build's validation step
            self.add("shacl", "full validation (the build's validate step) vs pySHACL full", in_build[0], peer_s,
                     ours_mb=in_build[1], peer_mb=p["rss_mb"] if p else None,
                     status=f"kg peak is the build's up to the end of validation; {pstatus}",
                     load=self.facts.get("build_load", (None, None)), peer_load=pload,
                     note="SHACL (pySHACL on chunks of 250 focus nodes, in worker processes) + SPARQL data checks")
        else:
            self.add("shacl", "full validation vs pySHACL full", full[0]["s"] if full else None, peer_s,
                     ours_mb=full[0]["rss_mb"] if full else s["peak_mb"], peer_mb=p["rss_mb"] if p else None,
                     status=(f"{full[0]['findings']} findings" if full else f"kg: {s['stopped'] or s['failed']}")
                     + f"; {pstatus}", load=load, peer_load=pload)

    def _export_rows(self, e, rdf) -> None:
        load, pload = (e["load_start"], e["load_end"]), ((rdf["load_start"], rdf["load_end"]) if rdf else (None, None))
        sel = _ev(e, "select")
        peers = {x["fmt"]: x for x in _ev(rdf, "serialize")} if rdf else {}
        peer_of = {"ntriples": "nt", "turtle": "turtle"}
        if sel:
            self.add("export", "select the whole data graph (with sources)", sel[0]["s"], ours_mb=e["peak_mb"],
                     status=f"{sel[0]['triples']:,} triples", load=load)
        for x in _ev(e, "format"):
            p = peers.get(peer_of.get(x["fmt"], ""))
            status = f"{x['triples']:,} triples, {x['bytes'] / 1e6:,.1f} MB"
            if p and p["s"] is None:
                status += f"; rdflib serialiser did not finish in {p['cap']:.0f} s"
            self.add("export", f"{x['fmt']}" + (" (1-hop selection)" if x["fmt"] == "html" else ""), x["s"],
                     p["s"] if p else None, ours_mb=e["peak_mb"], peer_mb=p["rss_mb"] if p else None,
                     status=status, load=load, peer_load=pload if p else (None, None))
        if e["stopped"] or e["failed"]:
            self.add("export", "(remaining formats)", status=f"kg export {e['stopped'] or e['failed']}", load=load)

    def _neo4j(self, gen: Path, nt: Path) -> None:
        from kg.neo4j_server import stop_server

        a = self.args
        heap, pagecache, _tx = NEO4J_MEMORY[self.label]
        state = a.out / f"neo4j-suite-{self.label}"
        self.say(f"[{self.label}] starting Neo4j (heap {heap}, page cache {pagecache})")
        settings = start_suite_neo4j(state, self.label)
        try:
            self.facts["neo4j_version"] = bench_sync.cypher(
                settings, "CALL dbms.components() YIELD name, versions, edition "
                          "RETURN versions[0] + ' ' + edition AS v")[0]["v"]
            bench_sync.wipe(settings)
            sargs = [gen, settings.uri, SYNC_BATCH, settings.password]
            first = self.child("sync-first", CHILD_SYNC, sargs, a.stage_cap)
            again = self.child("sync-unchanged", CHILD_SYNC, sargs, a.stage_cap)
            changed_dir = self.work / "changed-store"
            delta = None
            if self.label not in a.sync_first_only:
                c = self.child("changed-copy", CHILD_CHANGED, [gen, changed_dir, a.seed, HERE], a.stage_cap)
                if _ev(c, "done"):
                    delta = self.child("sync-1pct", CHILD_SYNC, [changed_dir, *sargs[1:]], a.stage_cap)
            neo_rss = bench_sync.neo4j_rss_mb(state)
            peer_cap = a.peer_load_cap if a.neo4j_peer_cap is None else a.neo4j_peer_cap
            peer = None
            if peer_cap > 0:
                bench_sync.wipe(settings)
                peer = self.child("rdflib-neo4j", CHILD_RDFLIB_NEO4J, [nt, settings.uri, settings.password, SYNC_BATCH],
                                  peer_cap)
        finally:
            stop_server(state)
            shutil.rmtree(self.work / "changed-store", ignore_errors=True)
        if peer is None:
            peer = {"events": [], "peak_mb": None, "load_start": None, "load_end": None,
                    "stopped": "not run (--neo4j-peer-cap 0)", "failed": None}
        pdone = _ev(peer, "done")
        peer_s = pdone[0]["seconds"] if pdone else None
        pstatus = "" if pdone else f"rdflib-neo4j {peer['stopped'] or peer['failed']}"
        pload = (peer["load_start"], peer["load_end"])
        note = f"Neo4j {self.facts['neo4j_version']}, heap {heap}, page cache {pagecache}; server RSS {neo_rss:,.0f} MB after the syncs"
        for name, r, desc in (("first", first, "first sync into an empty database"),
                              ("unchanged", again, "re-sync, nothing changed"),
                              ("1% changed", delta, "re-sync, 1% of the entities changed")):
            if r is None:
                self.add("neo4j", desc, status="not run" + (" (time budget of this size)" if self.label in
                                                             self.args.sync_first_only else ": the changed copy failed"))
                continue
            d = _ev(r, "done")
            extra = (f"{d[0]['written']:,} nodes written of {d[0]['nodes']:,}" if d else f"kg sync {r['stopped'] or r['failed']}")
            self.add("neo4j", desc + " vs rdflib-neo4j first load", d[0]["seconds"] if d else None, peer_s,
                     ours_mb=r["peak_mb"], peer_mb=peer["peak_mb"], status="; ".join(x for x in (extra, pstatus) if x),
                     load=(r["load_start"], r["load_end"]), peer_load=pload, note=note)


def _r(v, digits=3):
    return None if v is None else round(v, digits)


def _mb(v):
    return None if v is None else int(round(v))


def _fmt(v, digits=2):
    if v is None or v == "":
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}" if v < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


# ---------------------------------------------------------------------------- report

def header(facts: list[dict]) -> dict:
    info = bench_build.machine_info()
    from importlib import metadata

    for dist in ("rdflib-neo4j", "neo4j"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = "not installed"
    info["neo4j_server"] = next((f["neo4j_version"] for f in facts if f.get("neo4j_version")), "not run")
    return info


def report(rows: list[dict], facts: list[dict], info: dict, command: str, args) -> str:
    lines = [f"- date: {info['date']}; command: `{command}`",
             f"- machine: {info['cpu']}, {info['cores']} cores (nproc), {info['ram_gb']} GB RAM, {info['os']}",
             f"- versions: Python {info['python']}, pyoxigraph {info['pyoxigraph']}, rdflib {info['rdflib']}, "
             f"pyshacl {info['pyshacl']}, Neo4j server {info['neo4j_server']}, neo4j driver {info['neo4j']}, "
             f"rdflib-neo4j {info['rdflib-neo4j']}; aigc-kg {info['aigc_kg']} at commit {info['commit']}",
             ""]
    for f in facts:
        seed = f.get("seed", "").rsplit("/", 1)[-1]
        lines.append(f"- {f['size']}: {_fmt(f.get('triples'))} data triples ({_fmt(f.get('quads'))} quads), "
                     f"{_fmt(f.get('records'))} records generated in {_fmt(f.get('gen_s'))} s; hub seed `{seed}`; "
                     f"run started {f.get('started', '?')}" + (f" at commit {f['commit']}" if f.get("commit") else "")
                     + f", took {_fmt(f.get('minutes'))} min; bounds: {f.get('bounds')}")
    lines += ["", "| size | stage | figure | kg p50 s | kg p95 s | peer p50 s | peer p95 s | peer / kg | kg peak MB "
              "| peer peak MB | load avg kg / peer (start→end) | status |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        load = (f"{r['kg_load_start']:.1f}→{r['kg_load_end']:.1f}" if r["kg_load_start"] is not None else "–")
        if r.get("peer_load_start") is not None:
            load += f" / {r['peer_load_start']:.1f}→{r['peer_load_end']:.1f}"
        ratio = f"{r['speedup']:,.1f}×" if r["speedup"] is not None else "–"
        cap = re.search(r"did not finish in (\d+) s", r["status"])
        if r["speedup"] is None and r["peer_s"] is None and r["kg_s"] and cap and r["status"].startswith("rdflib"):
            ratio = f"> {float(cap.group(1)) / r['kg_s']:,.1f}×"  # the peer's bound over kg's time
        lines.append("| " + " | ".join([
            r["size"], r["stage"], r["figure"], _fmt(r["kg_s"], 3), _fmt(r["kg_p95_s"], 3), _fmt(r["peer_s"], 3),
            _fmt(r["peer_p95_s"], 3), ratio,
            _fmt(r["kg_peak_mb"]), _fmt(r["peer_peak_mb"]), load, " ".join(r["status"].split()).replace("|", "/")]) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,1m", help=f"comma-separated, of {', '.join(SIZES)} (default 100k,1m)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data (default 42)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query after the cold one (default 20)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds of repeated runs per query before stopping early (at least 3 runs)")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds one rdflib query may run (default 60)")
    parser.add_argument("--peer-load-cap", type=float, default=900.0,
                        help="seconds rdflib's parse and rdflib-neo4j may run (default 900)")
    parser.add_argument("--peer-cap", type=float, default=900.0,
                        help="seconds pySHACL and each rdflib serialiser may run (default 900)")
    parser.add_argument("--build-cap", type=float,
                        help="seconds kg build may run (default 1800, 7200 for 10m: it took 61 min here)")
    parser.add_argument("--stage-cap", type=float, default=2400.0, help="seconds any other kg stage may run")
    parser.add_argument("--export-cap", type=float, default=1800.0, help="seconds the export stage may run")
    parser.add_argument("--sync-first-only", default="", help="sizes whose Neo4j stage skips the 1%%-changed re-sync")
    parser.add_argument("--merge", action="store_true",
                        help="do not run: build the report from the saved results of --sizes (OUT/result-SIZE.json)")
    parser.add_argument("--rss-cap", type=float, default=18.0, help="GB of RSS at which a child is stopped (default 18)")
    parser.add_argument("--file-by-file", default="",
                        help="sizes whose store is written file by file (no validation) for the later stages, "
                             "the real build being attempted last (default none: every size is built)")
    parser.add_argument("--stages", default="all",
                        help="'all', 'no-neo4j' (every stage but Neo4j), or a comma-separated list of the "
                             "optional stages to run: neo4j, export (build, SPARQL, SHACL and the explorer "
                             "figures always run)")
    parser.add_argument("--neo4j-peer-cap", type=float,
                        help="seconds rdflib-neo4j may run (default: --peer-load-cap; 0 skips it)")
    parser.add_argument("--resume", action="store_true",
                        help="reuse the generated data, store and build log of an earlier run of each size "
                             "(when its build finished) instead of generating and building again")
    parser.add_argument("--peer-alongside", action="store_true",
                        help="run the rdflib peer at the same time as the kg SPARQL and SHACL children "
                             "(saves time on large sizes; both sides then share the cores, see the load columns)")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "suite", help="work folder")
    parser.add_argument("--csv", type=Path, default=ROOT / "docs" / "benchmarks-suite.csv", help="CSV to write")
    parser.add_argument("--markdown", type=Path, help="also write the markdown report here")
    args = parser.parse_args(argv)
    base = "build,sparql,shacl,explorer"
    if args.stages in ("all", "no-neo4j"):
        args.stages = base + ",export" + ("" if args.stages == "no-neo4j" else ",neo4j")
    else:
        unknown = {s.strip() for s in args.stages.split(",") if s.strip()} - set((base + ",export,neo4j").split(","))
        if unknown:
            parser.error(f"--stages: unknown stage(s) {', '.join(sorted(unknown))}")
        args.stages = base + "," + args.stages
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        if s not in SIZES:
            parser.error(f"--sizes: {s!r} is not one of {', '.join(SIZES)}")

    def say(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f} {msg}", file=sys.stderr, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    rows, facts = [], []
    for label in sizes:
        saved = args.out / f"result-{label}.json"
        if args.merge:  # OUT/result-SIZE.json, then rows of other runs of that size (OUT/result-SIZE-*.json)
            result = json.loads(saved.read_text(encoding="utf-8"))
            for extra in sorted(args.out.glob(f"result-{label}-*.json")):
                more = json.loads(extra.read_text(encoding="utf-8"))
                rows += [dict(r, note=(r.get("note") or "") + f" [run started {more['facts'].get('started')}]")
                         for r in more["rows"] if r["stage"] == "build"]
            rows += result["rows"]
            facts.append(result["facts"])
            continue
        size = Size(label, args, say)
        size.facts["started"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        size.facts["commit"] = bench_build.machine_info()["commit"]  # the code this size ran
        started = time.perf_counter()
        try:
            size.run()
        finally:
            size.facts["minutes"] = round((time.perf_counter() - started) / 60, 1)
            rows += size.rows
            facts.append(size.facts)
            size.save()
            say(f"[{label}] done in {time.perf_counter() - started:.0f} s")
    info = header(facts)
    command = "python bench/suite.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(rows, facts, info, command.strip(), args)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.csv:
        keys = list(rows[0]) + [k for k in info]
        with open(args.csv, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            for r in rows:
                writer.writerow({**r, **info})
        say(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
