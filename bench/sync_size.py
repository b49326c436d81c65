"""The suite's Neo4j syncs alone for one size already built by bench/suite.py: the first sync into
an empty database and an unchanged re-sync, with the suite's sync child and server settings.

    python bench/sync_size.py 10m      # after bench/suite.py --sizes 10m has built the store
"""
import json, os, secrets, sys, time
from pathlib import Path
sys.path.insert(0, "bench")
import suite
import sync as bench_sync
from kg.neo4j_client import Neo4jSettings
from kg.neo4j_server import start_server, stop_server
label = sys.argv[1] if len(sys.argv) > 1 else "10m"
work = Path("bench/out/suite") / f"synth-{label}-s42"
gen = next((work / "store").glob("gen-*"))
state = Path("bench/out/suite") / f"neo4j-sync-{label}"
heap, pagecache, tx = suite.NEO4J_MEMORY[label]
os.environ["KG_SUITE_NEO4J_PASSWORD"] = "suite-" + secrets.token_hex(6)
t = time.perf_counter()
status = start_server(state, port=0, heap=heap, pagecache=pagecache, tx_memory=tx, password_env="KG_SUITE_NEO4J_PASSWORD")
print("started in", round(time.perf_counter() - t, 1), flush=True)
settings = Neo4jSettings(uri=status.uri, password=os.environ["KG_SUITE_NEO4J_PASSWORD"])
try:
    sargs = [gen, settings.uri, suite.SYNC_BATCH, settings.password]
    for name in ("sync-first-alone", "sync-unchanged-alone"):
        r = suite.run_child(suite.CHILD_SYNC, sargs, work / "logs" / f"{name}.jsonl", 3600, 22 * 1024)
        print(name, json.dumps({k: v for k, v in r.items() if k != "events"}), json.dumps(r["events"][-1:]), flush=True)
    print("neo4j rss MB", bench_sync.neo4j_rss_mb(state), flush=True)
finally:
    stop_server(state)
