"""Measure ``kg build`` (wall time, peak memory, time per stage) against rdflib and Oxigraph loads.

    python bench/build.py [--sizes curated,100000,1000000] [--seed 42] [--csv docs/benchmarks-build.csv]

For every input (``curated`` = the project's own data through kg.toml; a number = synthetic data of
about that many triples, written by bench/generate.py into bench/out/) it runs, each in its own
child process, so that the peak resident memory (``ru_maxrss`` from ``os.wait4``) is that of the
step alone:

1. ``kg.build_graph(kg.load_config(...))`` — the real build, with timing wrappers around its
   stages (ontology, read, map, store write, SHACL (pySHACL on chunks of focus nodes), data checks,
   stats, commit). Killed after ``--timeout`` seconds; the stages done by then are reported.
2. only if 1 timed out: the same build without validation, so that there is a store to compare
   (its data checks, stats and commit are timed too).
3. a dump of the built store (``STORE/CURRENT``) to N-Quads.
4. the peer: ``rdflib.Dataset().parse(nquads)`` — the same quads in rdflib's in-memory store.
5. context: ``pyoxigraph.Store(path).bulk_load(nquads)`` — the store write alone, on disk.

Durations are measured, never asserted. Prints a markdown report and writes a CSV.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable

# ---------------------------------------------------------------------------- child processes
# Each child prints JSON lines (one per event, flushed) to its stdout, which goes to a file, so
# the parent still has the finished stages of a child it had to kill.

CHILD_PRELUDE = r"""
import json, resource, sys, time
T0 = time.perf_counter()
def emit(**kw):
    kw["t"] = round(time.perf_counter() - T0, 4)
    kw["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(kw), flush=True)
"""

CHILD_BUILD = CHILD_PRELUDE + r"""
import functools, os
import kg, kg.build as B, kg.validate as V, kg.store as S
MAIN_PID = os.getpid()
emit(ev="imported")

def timed(owner, attr, stage):
    fn = getattr(owner, attr)
    @functools.wraps(fn)
    def wrapper(*a, **k):
        if os.getpid() != MAIN_PID:  # a forked SHACL worker: the parent times the stage
            return fn(*a, **k)
        emit(ev="start", stage=stage)
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            emit(ev="end", stage=stage, s=round(time.perf_counter() - t, 4))
    setattr(owner, attr, wrapper)

for owner, attr, stage in [
        (B, "load_ontology", "ontology"), (B, "read_sources", "read"), (B, "map_records", "map"),
        (B, "_fill", "write"), (V, "run_shacl", "shacl"), (V, "check_dangling", "check_dangling"),
        (V, "check_duplicates", "check_duplicates"), (V, "check_policy_dates", "check_policy_dates"),
        (V, "check_date_ranges", "check_date_ranges"), (B, "graph_stats", "stats"),
        (S.Generation, "commit", "commit")]:
    timed(owner, attr, stage)

config, store = sys.argv[1], sys.argv[2]
t = time.perf_counter()
try:
    result = kg.build_graph(kg.load_config(config, store=store))
except kg.KGError as exc:
    errors = [f for f in getattr(exc, "findings", []) if f.level == "ERROR"]
    emit(ev="error", message=str(exc), errors=len(errors),
         first=[f"{f.file}:{f.line}: {f.message}" for f in errors[:5]])
    sys.exit(1)
emit(ev="done", seconds=round(time.perf_counter() - t, 4), triples=result.stats.triples,
     quads=result.quads, graphs=result.stats.graphs,
     errors=sum(f.level == "ERROR" for f in result.findings),
     warnings=sum(f.level == "WARNING" for f in result.findings))
"""

# The build without SHACL (used only when the real build timed out): the same records, quads and
# store, so that the comparison and the data checks can still be measured.
CHILD_WRITE = CHILD_PRELUDE + r"""
import kg, kg.build as B, kg.validate as V
from kg.store import new_generation
emit(ev="imported")
config, store = sys.argv[1], sys.argv[2]
def stage(name, fn, *a):
    emit(ev="start", stage=name)
    t = time.perf_counter()
    out = fn(*a)
    emit(ev="end", stage=name, s=round(time.perf_counter() - t, 4))
    return out
t = time.perf_counter()
cfg = kg.load_config(config, store=store)
onto = stage("ontology", kg.load_ontology, cfg.ontology_path, cfg.shapes_path)
findings = []
pairs, imports = stage("read", B.read_sources, cfg, findings, onto)
mapped = stage("map", B.map_records, pairs, onto, findings)
mapped.imports = imports
files = sorted(set(mapped.graphs.values()))
with new_generation(cfg.store_path) as gen:
    stage("write", B._fill, gen.store, mapped, onto, files)
    locate = B.record_locator(mapped, V.store_locator(gen.store))
    n = 0
    for name in ("check_dangling", "check_duplicates", "check_policy_dates", "check_date_ranges"):
        fn = getattr(V, name)
        n += len(stage(name, fn, gen.store, onto, locate) if name == "check_duplicates"
                 else stage(name, fn, gen.store, locate))
    stats = stage("stats", kg.graph_stats, gen.store, onto)
    quads = len(gen.store)
    stage("commit", gen.commit)
emit(ev="done", seconds=round(time.perf_counter() - t, 4), triples=stats.triples, quads=quads,
     graphs=stats.graphs, errors=n, warnings=0)
"""

CHILD_DUMP = CHILD_PRELUDE + r"""
from pathlib import Path
import pyoxigraph as ox
store_dir, out = Path(sys.argv[1]), sys.argv[2]
gen = store_dir / (store_dir / "CURRENT").read_text(encoding="ascii").strip()
t = time.perf_counter()
store = ox.Store.read_only(str(gen))
store.dump(out, ox.RdfFormat.N_QUADS)
seconds = time.perf_counter() - t
emit(ev="done", seconds=round(seconds, 4), quads=len(store), bytes=Path(out).stat().st_size)
"""

CHILD_RDFLIB = CHILD_PRELUDE + r"""
import rdflib
emit(ev="imported")
ds = rdflib.Dataset()
t = time.perf_counter()
ds.parse(sys.argv[1], format="nquads")
seconds = time.perf_counter() - t
emit(ev="done", seconds=round(seconds, 4), quads=sum(1 for _ in ds.quads((None, None, None, None))))
"""

CHILD_OXIGRAPH = CHILD_PRELUDE + r"""
import pyoxigraph as ox
emit(ev="imported")
store = ox.Store(sys.argv[2])
t = time.perf_counter()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
store.flush()
seconds = time.perf_counter() - t
emit(ev="done", seconds=round(seconds, 4), quads=len(store))
"""


def _cpu_busy() -> tuple[float, float]:
    """Seconds of busy and of stolen CPU time of the whole machine so far (from /proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


def run_child(code: str, args: list[str], log: Path, timeout: float) -> dict:
    """Run ``python -c code args`` with a time limit; return its events, wall time and peak RSS.

    Also how many cores other processes kept busy meanwhile (machine busy time minus the child's
    CPU time, over the wall time): a benchmark is only as good as the quiet of its machine.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    busy0, steal0 = _cpu_busy()
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out, open(log.with_suffix(".err"), "w", encoding="utf-8") as err:
        proc = subprocess.Popen([PY, "-c", code, *args], stdout=out, stderr=err, cwd=ROOT)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                timed_out = True
                os.kill(proc.pid, signal.SIGKILL)  # our own child, by its id
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    busy1, steal1 = _cpu_busy()
    child_cpu = usage.ru_utime + usage.ru_stime
    background = max(0.0, (busy1 - busy0) - child_cpu) / wall if wall > 0 else 0.0
    events = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    done = next((e for e in events if e.get("ev") == "done"), None)
    error = next((e for e in events if e.get("ev") == "error"), None)
    result = {"events": events, "wall": wall, "peak_mb": usage.ru_maxrss / 1024, "timed_out": timed_out,
              "cpu_s": child_cpu, "background_cores": round(background, 2),
              "steal_cores": round((steal1 - steal0) / wall, 2) if wall > 0 else 0.0,
              "returncode": proc.returncode, "done": done, "error": error,
              "stderr": log.with_suffix(".err").read_text(encoding="utf-8")[-2000:]}
    if done is None and not timed_out:
        result["error"] = error or {"message": f"exit code {proc.returncode}: {result['stderr'][-500:]}"}
    return result


def stage_times(events: list[dict], wall: float | None = None) -> tuple[dict[str, float], str | None, float]:
    """Durations per stage, the innermost stage still running (if killed) and how long it ran.

    ``wall`` (the child's wall time seen by the parent) dates the kill; without it the last event does.
    """
    ends: dict[str, float] = {}
    starts: dict[str, float] = {}
    for e in events:
        if e.get("ev") == "start":
            starts[e["stage"]] = e["t"]
        elif e.get("ev") == "end":
            ends[e["stage"]] = ends.get(e["stage"], 0.0) + e["s"]
            starts.pop(e["stage"], None)
    running, ran = None, 0.0
    if starts:
        running = max(starts, key=starts.get)
        last_t = wall if wall is not None else max(e["t"] for e in events)
        ran = max(0.0, last_t - starts[running])
    return ends, running, ran


# ---------------------------------------------------------------------------- machine header

def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    try:
        import yaml  # noqa: PLC0415 - only for the libyaml flag
        libyaml = bool(getattr(yaml, "__with_libyaml__", False))
    except ImportError:
        libyaml = False
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "cpu": cpu, "cores": cores,
            "ram_gb": round(ram, 1) if ram else None, "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "pyoxigraph": version("pyoxigraph"), "rdflib": version("rdflib"),
            "pyshacl": version("pyshacl"), "pyyaml": version("PyYAML") + (" (libyaml)" if libyaml else ""),
            "aigc_kg": version("aigc-kg"), "commit": commit}


# ---------------------------------------------------------------------------- one input

def bench_input(name: str, seed: int, out_root: Path, timeout: float, keep: bool, say) -> dict:
    row: dict = {"input": name}
    work = out_root / ("curated" if name == "curated" else f"synth-{name}-s{seed}")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if name == "curated":
        config = ROOT / "kg.toml"
        row["target"] = ""
        row["gen_s"] = ""
    else:
        # In a child too: a child's ru_maxrss starts at its parent's resident size (the fork before
        # exec counts), so the parent must stay small for the children's peaks to be their own.
        say(f"[{name}] generating (seed {seed})")
        subprocess.run([PY, str(HERE / "generate.py"), "--triples", name, "--seed", str(seed), "--out", str(work)],
                       check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        gen = json.loads((work / "generated.json").read_text(encoding="utf-8"))
        config = work / "kg.toml"
        row["target"] = int(name)
        row["gen_s"] = round(gen["seconds"], 2)
        row["gen_triples"] = gen["triples"]
    store = work / "store"
    logs = work / "logs"

    say(f"[{name}] kg build (timeout {timeout:.0f} s)")
    build = run_child(CHILD_BUILD, [str(config), str(store)], logs / "build.jsonl", timeout)
    stages, running, ran = stage_times(build["events"], build["wall"])
    row.update({"build_peak_mb": round(build["peak_mb"]), "build_process_s": round(build["wall"], 2),
                "build_cpu_s": round(build["cpu_s"], 2), "build_bg_cores": build["background_cores"],
                "build_steal_cores": build["steal_cores"]})
    if build["done"]:
        d = build["done"]
        row.update({"status": "ok", "build_s": d["seconds"], "triples": d["triples"], "quads": d["quads"],
                    "graphs": d["graphs"], "errors": d["errors"], "warnings": d["warnings"]})
    elif build["timed_out"]:
        label = dict(STAGES).get(running, running)  # check_* and shacl keep their code names
        row.update({"status": f"timed out after {timeout:.0f} s, in {label} (running for {ran:.0f} s)",
                    "build_s": None})
    else:
        row.update({"status": f"failed: {(build['error'] or {}).get('message', '?')}", "build_s": None})
        say(f"[{name}] build failed: {build['error']}")
    for stage, seconds in stages.items():
        row[f"stage_{stage}_s"] = round(seconds, 3)

    if not build["done"]:
        say(f"[{name}] build without SHACL (to get a store and the remaining stage figures)")
        write = run_child(CHILD_WRITE, [str(config), str(store)], logs / "write.jsonl", 4 * timeout)
        wstages, _, _ = stage_times(write["events"])
        row["nosh_build_s"] = write["done"]["seconds"] if write["done"] else None
        row["nosh_peak_mb"] = round(write["peak_mb"])
        for stage, seconds in wstages.items():
            if f"stage_{stage}_s" not in row:  # stages the timed-out build never reached
                row[f"stage_{stage}_s"] = round(seconds, 3)
                row[f"stage_{stage}_from"] = "no-SHACL build"
        if write["done"]:
            row.update({"triples": write["done"]["triples"], "quads": write["done"]["quads"],
                        "graphs": write["done"]["graphs"], "errors": write["done"]["errors"]})
        else:
            row["status"] += f"; no-SHACL build failed: {write['error']}"
            return row

    nq = work / "graph.nq"
    say(f"[{name}] dumping N-Quads")
    dump = run_child(CHILD_DUMP, [str(store), str(nq)], logs / "dump.jsonl", 4 * timeout)
    if not dump["done"]:
        row["status"] += f"; dump failed: {dump['error']}"
        return row
    row.update({"dump_s": dump["done"]["seconds"], "nquads": dump["done"]["quads"],
                "nquads_mb": round(dump["done"]["bytes"] / 2**20, 1)})

    say(f"[{name}] rdflib Dataset.parse(nquads)")
    rdf = run_child(CHILD_RDFLIB, [str(nq)], logs / "rdflib.jsonl", 4 * timeout)
    row["rdflib_peak_mb"] = round(rdf["peak_mb"])
    row["rdflib_s"] = rdf["done"]["seconds"] if rdf["done"] else None
    row["rdflib_quads"] = rdf["done"]["quads"] if rdf["done"] else None
    row["rdflib_bg_cores"] = rdf["background_cores"]
    if not rdf["done"]:
        row["status"] += "; rdflib " + ("timed out" if rdf["timed_out"] else f"failed: {rdf['error']}")

    say(f"[{name}] pyoxigraph bulk_load(nquads)")
    oxdir = work / "oxigraph-bulk"
    oxl = run_child(CHILD_OXIGRAPH, [str(nq), str(oxdir)], logs / "oxigraph.jsonl", 4 * timeout)
    row["ox_peak_mb"] = round(oxl["peak_mb"])
    row["ox_s"] = oxl["done"]["seconds"] if oxl["done"] else None
    row["ox_quads"] = oxl["done"]["quads"] if oxl["done"] else None
    row["ox_bg_cores"] = oxl["background_cores"]

    # The floor of every child's peak (see above), and the idle baselines of the children
    # (interpreter + imports), help read the peaks.
    row["parent_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    row["build_import_mb"] = next((e["rss_mb"] for e in build["events"] if e.get("ev") == "imported"), None)
    row["rdflib_import_mb"] = next((e["rss_mb"] for e in rdf["events"] if e.get("ev") == "imported"), None)

    def ratio(a, b):
        return round(a / b, 2) if a and b else None

    row["build_over_rdflib_time"] = ratio(row.get("build_s"), row["rdflib_s"])
    row["rdflib_over_ox_time"] = ratio(row["rdflib_s"], row["ox_s"])
    # A stopped build's peak is only a lower bound: no ratio then.
    row["build_over_rdflib_mem"] = ratio(row["build_peak_mb"], row["rdflib_peak_mb"]) if build["done"] else None
    row["rdflib_over_ox_mem"] = ratio(row["rdflib_peak_mb"], row["ox_peak_mb"])
    row["build_triples_per_s"] = round(row["triples"] / row["build_s"]) if row.get("build_s") else None
    row["rdflib_quads_per_s"] = round(row["nquads"] / row["rdflib_s"]) if row["rdflib_s"] else None
    row["ox_quads_per_s"] = round(row["nquads"] / row["ox_s"]) if row["ox_s"] else None
    if not keep:
        for p in (nq, oxdir):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif p.exists():
                p.unlink()
    return row


# ---------------------------------------------------------------------------- report

STAGES = [("ontology", "ontology"), ("read", "read YAML"), ("map", "map"), ("write", "store write"),
          ("shacl", "SHACL"), ("checks", "data checks"),
          ("stats", "stats"), ("commit", "commit")]
CHECKS = ("check_dangling", "check_duplicates", "check_policy_dates", "check_date_ranges")


def _f(v, digits=1, suffix=""):
    if v is None or v == "":
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}{suffix}"
    if isinstance(v, int):
        return f"{v:,}{suffix}"
    return str(v)


def _label(row):
    return "curated (data/curated)" if row["input"] == "curated" else f"synthetic {int(row['input']):,}"


def report(rows: list[dict], info: dict, command: str) -> str:
    lines = [f"- date: {info['date']}",
             f"- machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, {info['os']}",
             f"- Python {info['python']}; pyoxigraph {info['pyoxigraph']}, rdflib {info['rdflib']}, "
             f"pyshacl {info['pyshacl']}, PyYAML {info['pyyaml']}; aigc-kg {info['aigc_kg']} at commit {info['commit']}",
             f"- command: `{command}`", ""]
    lines += ["| input | triples | quads | kg build s | kg peak MB | rdflib load s | rdflib peak MB "
              "| oxigraph bulk_load s | oxigraph peak MB | build / rdflib time | rdflib / oxigraph time "
              "| build / rdflib mem | rdflib / oxigraph mem | kg build triples/s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        build = _f(r.get("build_s"), 2) if r.get("build_s") else r.get("status", "–")
        lines.append("| " + " | ".join([
            _label(r), _f(r.get("triples")), _f(r.get("nquads", r.get("quads"))), build,
            _f(r.get("build_peak_mb")) if r.get("build_s") else "≥ " + _f(r.get("build_peak_mb")), _f(r.get("rdflib_s"), 2), _f(r.get("rdflib_peak_mb")),
            _f(r.get("ox_s"), 2), _f(r.get("ox_peak_mb")), _f(r.get("build_over_rdflib_time"), 2, "×"),
            _f(r.get("rdflib_over_ox_time"), 2, "×"), _f(r.get("build_over_rdflib_mem"), 2, "×"),
            _f(r.get("rdflib_over_ox_mem"), 2, "×"), _f(r.get("build_triples_per_s"))]) + " |")
    lines += ["", "Time per stage of `kg build` (seconds; share of the build in brackets):", "",
              "| input | " + " | ".join(label for _, label in STAGES) + " | status |",
              "|---|" + "---:|" * len(STAGES) + "---|"]
    for r in rows:
        cells = []
        total = r.get("build_s")
        for key, _ in STAGES:
            if key == "checks":
                parts = [r.get(f"stage_{c}_s") for c in CHECKS]
                v = sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None
                src = any(r.get(f"stage_{c}_from") for c in CHECKS)
            else:
                v = r.get(f"stage_{key}_s")
                src = r.get(f"stage_{key}_from")
            if v is None:
                cells.append("–")
                continue
            cell = f"{v:,.2f}"
            if total:
                cell += f" ({100 * v / total:.0f}%)"
            if src:
                cell += "†"
            cells.append(cell)
        lines.append(f"| {_label(r)} | " + " | ".join(cells) + f" | {r.get('status', '')} |")
    floor = max((r.get("parent_rss_mb") or 0 for r in rows), default=0)
    lines += ["", f"Peak memory is the child process's maximum resident set size (`ru_maxrss` from `os.wait4`), "
              f"interpreter and imports included; it cannot be below the benchmark driver's own size when it "
              f"started the child ({floor:.0f} MB here), as Linux counts the fork before `exec`."]
    lines += ["", "Other processes on the machine kept this many cores busy meanwhile (kg build / rdflib / "
              "oxigraph; more than ~0.2 means the figures are disturbed): "
              + "; ".join(f"{_label(r)} {_f(r.get('build_bg_cores'), 2)} / {_f(r.get('rdflib_bg_cores'), 2)} / "
                          f"{_f(r.get('ox_bg_cores'), 2)}" for r in rows) + "."]
    if any(any(k.endswith("_from") for k in r) for r in rows):
        lines += ["", "† measured in a second run of the build without SHACL (same records, quads and store), "
                  "because the real build was stopped before reaching that stage."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="curated,100000,1000000",
                        help="comma-separated inputs: 'curated' and/or triple counts (default curated,100000,1000000)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data (default 42)")
    parser.add_argument("--csv", type=Path, default=ROOT / "docs" / "benchmarks-build.csv", help="CSV to write")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder (default bench/out)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a build is stopped (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the N-Quads dump and the bulk-loaded store")
    parser.add_argument("--markdown", type=Path, help="also write the markdown report to this file")
    args = parser.parse_args(argv)

    def say(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)

    info = machine_info()
    rows = []
    for name in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        if name != "curated" and not name.isdigit():
            parser.error(f"--sizes: {name!r} is neither 'curated' nor a number of triples")
        started = time.perf_counter()
        rows.append(bench_input(name, args.seed, args.out, args.timeout, args.keep, say))
        say(f"[{name}] done in {time.perf_counter() - started:.0f} s")
    command = "python bench/build.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(rows, info, command.strip())
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        keys: list[str] = list(info)
        for r in rows:
            keys += [k for k in r if k not in keys]
        with open(args.csv, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            for r in rows:
                writer.writerow({**info, **r})
        say(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
