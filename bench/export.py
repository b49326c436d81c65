"""Benchmark `kg export`: k-hop selection latency and export throughput per format, against rdflib.

    python bench/export.py [--triples 1000000] [--seed 42] [--timeout 300]

Steps, in one run:

1. the seeded synthetic AIGC-shaped graph (bench/generate.py) is built with `kg build`, unless a
   built store for the same size and seed is already in bench/out (shared with bench/sync.py);
2. the seed is the organisation most models are developed by (a power-law hub);
3. kg: `select_subgraph(store, [seed], hops=k)` for k = 1, 2, 3 on the on-disk store (latency,
   nodes and facts reached); then the whole data graph is selected and written in every format
   to bench/out/export/ (seconds and triples/s; the property-graph mapping that GraphML, GEXF,
   CSV, Cypher and HTML share is timed once on its own; HTML is drawn for the 1-hop selection,
   a browser cannot draw a million triples);
4. rdflib, in a child process: the data graph's N-Triples loaded into an in-memory Graph, the same
   k-hop selections as SPARQL property paths (each with --timeout), then rdflib's own Turtle and
   N-Triples serialisers on the whole graph.

Prints a markdown table with the ratios. Durations are measured, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# rdflib: the same k-hop selections as SPARQL 1.1 property paths, then its own serialisers.
CHILD_RDFLIB = r"""
import json, resource, signal, sys, time
import rdflib
path, seed, preds, timeout = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
out = {}
t = time.perf_counter()
g = rdflib.Graph()
g.parse(path, format="nt")
out["load"] = time.perf_counter() - t
out["triples"] = len(g)
step = "(" + "|".join(f"<{p}>|^<{p}>" for p in preds) + ")"
class Timeout(Exception):
    pass
def alarm(*_):
    raise Timeout()
signal.signal(signal.SIGALRM, alarm)
for k in (1, 2, 3):
    q = f"SELECT DISTINCT ?n WHERE {{ <{seed}> {'/'.join([step + '?'] * k)} ?n }}"
    signal.alarm(timeout)
    t = time.perf_counter()
    try:
        n = len(list(g.query(q)))
        out[f"hop{k}"] = [time.perf_counter() - t, n]
    except Timeout:
        out[f"hop{k}"] = [None, None]
    finally:
        signal.alarm(0)
for fmt in ("nt", "turtle"):
    t = time.perf_counter()
    with open(sys.argv[5] + "." + fmt, "wb") as fh:
        g.serialize(fh, format=fmt)
    out["ser_" + fmt] = time.perf_counter() - t
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def hub(store) -> str:
    """The organisation that most models name as their developer."""
    rows = store.query("SELECT ?o (COUNT(*) AS ?n) WHERE { ?m <https://w3id.org/aigc-kg/ontology#developedBy> ?o } "
                       "GROUP BY ?o ORDER BY DESC(?n) LIMIT 1", use_default_graph_as_union=True)
    return next(iter(rows))[0].value


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="size of the synthetic graph")
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic graph")
    parser.add_argument("--timeout", type=int, default=300, help="seconds one rdflib query may run")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder")
    parser.add_argument("--formats", default="", help="comma-separated formats (default: all)")
    parser.add_argument("--formats-only", action="store_true",
                        help="measure the exports only (no k-hop selections, no rdflib peer)")
    args = parser.parse_args(argv)

    import pyoxigraph as ox

    import kg
    from kg.export import FORMATS, export_subgraph, select_nodes, select_subgraph
    from kg.pgmap import typed_resources
    from sync import built_store, dump_ntriples

    gen, quads = built_store(args.triples, args.seed, args.out)
    store = ox.Store.read_only(str(gen))
    ontology = kg.load_ontology()
    seed = hub(store)
    print(f"seed {seed}", file=sys.stderr)
    rows = []
    hops = {}
    for k in (() if args.formats_only else (1, 2, 3)):
        sel, seconds = timed(select_subgraph, store, [seed], hops=k, ontology=ontology)
        hops[k] = (seconds, len(sel.nodes), len(sel.quads))
        print(f"kg {k}-hop: {hops[k]}", file=sys.stderr)
    one_hop = select_subgraph(store, [seed], hops=1, ontology=ontology)
    whole, select_s = timed(select_nodes, store, sorted(typed_resources(store)), with_sources=True)
    triples = len(whole.triples())
    _, map_s = timed(whole.property_graph, ontology)
    work = args.out / "export"
    work.mkdir(parents=True, exist_ok=True)
    wanted = [f for f in (args.formats.split(",") if args.formats else FORMATS)]
    for fmt in wanted:
        sel = one_hop if fmt == "html" else whole
        dest = work / ("csv-folder" if fmt == "csv" else f"whole{FORMATS[fmt].extension}")
        if fmt == "csv" and dest.exists():
            import shutil
            shutil.rmtree(dest)
        _, seconds = timed(export_subgraph, sel, fmt, dest, ontology=ontology, force=True)
        n = len(sel.triples())
        size = sum(p.stat().st_size for p in dest.iterdir()) if dest.is_dir() else dest.stat().st_size
        rows.append((fmt, n, seconds, size))
        print(f"{fmt}: {seconds:.2f} s", file=sys.stderr)
    if args.formats_only:
        print(report(args, quads, triples, seed, hops, select_s, map_s, rows, None))
        return 0
    nt = args.out / f"synth-{args.triples}-s{args.seed}.nt"
    if not nt.exists():
        dump_ntriples(gen, nt)
    preds = sorted({p.iri for p in ontology.properties.values() if p.is_object})
    proc = subprocess.run([sys.executable, "-c", CHILD_RDFLIB, str(nt), seed, json.dumps(preds), str(args.timeout),
                           str(work / "rdflib")], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"rdflib child failed:\n{proc.stderr[-3000:]}")
    peer = json.loads(proc.stdout.strip().splitlines()[-1])
    print(report(args, quads, triples, seed, hops, select_s, map_s, rows, peer))
    return 0


def report(args, quads, triples, seed, hops, select_s, map_s, rows, peer) -> str:
    import pyoxigraph
    import rdflib

    def ratio(a, b):
        return f"{b / a:.1f}×" if a and b else "n/a"

    lines = [f"Export benchmark, {time.strftime('%Y-%m-%d')}: synthetic graph of {triples:,} distinct data triples "
             f"({quads:,} quads with the ontology), seed {args.seed}; seed entity `{seed.rsplit('/', 2)[-2:][1]}` "
             f"(the organisation most models are developed by); Python {sys.version.split()[0]}, pyoxigraph "
             f"{pyoxigraph.__version__}, rdflib {rdflib.__version__}, {os.cpu_count()} cores.", "",
             "k-hop selection from the seed (relationships walked both ways, provenance links excluded):", "",
             "| k | kg nodes | kg facts | kg s | rdflib nodes | rdflib SPARQL s | rdflib / kg time |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    peer = peer or {}
    for k, (s, nodes, facts) in hops.items():
        rs, rn = peer[f"hop{k}"]
        lines.append(f"| {k} | {nodes:,} | {facts:,} | {s:.3f} | {'' if rn is None else f'{rn:,}'} | "
                     f"{'> ' + str(args.timeout) if rs is None else f'{rs:.3f}'} | {ratio(s, rs)} |")
    lines += ["", f"Export of the whole data graph with its provenance (`with_sources`; selected in {select_s:.1f} s; the property-graph mapping "
                  f"shared by graphml, gexf, csv, cypher and html took {map_s:.1f} s, once, not in the rows):", "",
              "| format | triples | seconds | triples/s | MB written | rdflib serialiser s | rdflib / kg time |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    peer_fmt = {"ntriples": peer.get("ser_nt"), "turtle": peer.get("ser_turtle")}
    for fmt, n, s, size in rows:
        ps = peer_fmt.get(fmt)
        note = " (1-hop selection)" if fmt == "html" else ""
        lines.append(f"| {fmt}{note} | {n:,} | {s:.2f} | {n / s:,.0f} | {size / 1e6:.1f} | "
                     f"{'' if ps is None else f'{ps:.2f}'} | {ratio(s, ps) if ps else ''} |")
    if peer:
        lines += ["", f"rdflib loaded the N-Triples in {peer['load']:.1f} s ({peer['triples']:,} triples), "
                      f"peak RSS {peer['rss_mb']:.0f} MiB."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
