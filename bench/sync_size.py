"""The suite's Neo4j syncs alone for one size already built by bench/suite.py: the first sync into
an empty database and an unchanged re-sync, with the suite's sync child and server settings.

    python bench/sync_size.py 10m      # after bench/suite.py --sizes 10m has built the store
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import suite  # noqa: E402
import sync as bench_sync  # noqa: E402
from kg.neo4j_server import stop_server  # noqa: E402
from kg.store import current_generation  # noqa: E402

label = sys.argv[1] if len(sys.argv) > 1 else "10m"
work = suite.HERE / "out" / "suite" / f"synth-{label}-s42"
gen = current_generation(work / "store")
state = suite.HERE / "out" / "suite" / f"neo4j-sync-{label}"
t = time.perf_counter()
settings = suite.start_suite_neo4j(state, label)
print("started in", round(time.perf_counter() - t, 1), flush=True)
try:
    sargs = [gen, settings.uri, suite.SYNC_BATCH, settings.password]
    for name in ("sync-first-alone", "sync-unchanged-alone"):
        r = suite.run_child(suite.CHILD_SYNC, sargs, work / "logs" / f"{name}.jsonl", 3600, 22 * 1024)
        print(name, json.dumps({k: v for k, v in r.items() if k != "events"}), json.dumps(r["events"][-1:]), flush=True)
    print("neo4j rss MB", bench_sync.neo4j_rss_mb(state), flush=True)
finally:
    stop_server(state)
