"""Sync the RDF store into Neo4j: batched, idempotent, incremental, resumable.

The build records a content digest per source graph; a sync first compares them with the digests
of the last completed sync (kept in Neo4j on a ``:KgSyncState`` node) and leaves unchanged graphs
alone without reading them. Every node written carries ``syncHash``, a hash of everything the sync writes for it (labels,
properties, outgoing relationships; see ``kg.pgmap``). A sync reads the hashes Neo4j holds, maps
the RDF store, and writes only the nodes whose hash differs, with their outgoing relationships,
in batches (a changed node's outgoing relationships are replaced); each batch is one transaction, so a batch is either all written (with its new hashes)
or not at all. Nodes Neo4j holds that the RDF store no longer has are deleted. A sync that dies
half way therefore leaves some nodes with old hashes, and the next sync rewrites exactly those:
it converges to the same graph as an uninterrupted sync.

Every query has one fixed, parameterised shape; labels and relationship types are passed as
parameters through Cypher's dynamic ``$(...)`` syntax (Neo4j 5.26+), never formatted into text.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from kg.config import Config
from kg.neo4j_client import Neo4jSettings, connect, run_read, run_write
from kg.neo4j_server import server_status
from kg.ontology import Ontology
from kg.namespaces import graph_iri
from kg.pgmap import MappedGraph, PGNode, graph_subjects, iter_nodes, map_graph, recorded_digests

DEFAULT_BATCH = 2000
CONSTRAINT = "CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE"
READ_STATE = "MATCH (n:Resource) RETURN n.uri AS uri, n.syncHash AS hash, labels(n) AS labels"
READ_STATE_IN = """MATCH (n:Resource) WHERE any(s IN n.sources WHERE s IN $scope)
RETURN n.uri AS uri, n.syncHash AS hash, labels(n) AS labels"""
# What the last completed sync saw: each source graph's content digest and the mapping's version.
READ_MARKER = "MATCH (s:KgSyncState {id: 'sync'}) RETURN s.graphs AS graphs, s.digests AS digests, s.mapping AS mapping"
WRITE_MARKER = """MERGE (s:KgSyncState {id: 'sync'})
SET s.graphs = $graphs, s.digests = $digests, s.mapping = $mapping, s.syncedAt = datetime()"""
WRITE_NODES = """
UNWIND $rows AS row
MERGE (n:Resource {uri: row.uri})
SET n = row.props
WITH n, row
REMOVE n:$(row.drop)
SET n:$(row.labels)
"""
# A changed node's outgoing relationships are replaced: deleted, then created again. Matching
# existing ones instead (MERGE with a dynamic type, or OPTIONAL MATCH (a)-[old]->(b)) is planned
# by Neo4j 5.26 as a scan per row, against the relationships the same transaction just wrote.
DROP_OUT_RELS = """
UNWIND $rows AS row
MATCH (a:Resource {uri: row.uri})-[r]->()
DELETE r
"""
WRITE_RELS = """
UNWIND $rels AS rel
MATCH (a:Resource {uri: rel.start})
MERGE (b:Resource {uri: rel.end})
CREATE (a)-[r:$(rel.type)]->(b)
SET r.sources = rel.sources
"""
DELETE_NODES = """
UNWIND $uris AS uri
MATCH (n:Resource {uri: uri})
DETACH DELETE n
"""


@dataclass
class SyncResult:
    """What a sync wrote, as Neo4j's counters report it."""

    nodes_total: int = 0
    nodes_written: int = 0
    nodes_deleted: int = 0
    graphs_skipped: int = 0  # source graphs unchanged since the last sync, not even read
    batches: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add_counters(self, counters) -> None:
        """Accumulate the counters of one query."""
        for name in ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
                     "properties_set", "labels_added", "labels_removed"):
            self.counters[name] = self.counters.get(name, 0) + getattr(counters, name, 0)

    @property
    def written(self) -> int:
        """Total of every write counter (0 when nothing changed)."""
        return sum(self.counters.values())


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _row(node: PGNode, old_labels: list[str] | None) -> dict:
    props = dict(node.props, syncHash=node.hash)
    return {"uri": node.uri, "props": props, "labels": node.labels,
            "drop": sorted(set(old_labels or []) - set(node.labels))}


def _write_batch(driver, settings: Neo4jSettings, batch: list[PGNode], state: dict) -> tuple[int, list]:
    """Write one batch (nodes, then their outgoing relationships) as one transaction."""
    rows = [_row(n, (state.get(n.uri) or (None, None))[1]) for n in batch]
    rels = [{"start": r.start, "type": r.type, "end": r.end, "sources": list(r.sources)}
            for n in batch for r in n.rels]

    def write(tx):
        out = [tx.run(WRITE_NODES, rows=rows).consume().counters,
               tx.run(DROP_OUT_RELS, rows=rows).consume().counters]
        if rels:
            out.append(tx.run(WRITE_RELS, rels=rels).consume().counters)
        return out

    return len(batch), run_write(driver, settings, write)


def _count(result: SyncResult, written: tuple[int, list], say) -> None:
    nodes, counters = written
    for c in counters:
        result.add_counters(c)
    result.nodes_written += nodes
    result.batches += 1
    say(f"wrote {result.nodes_written} changed nodes of {result.nodes_total} read")


def _mapping_version() -> str:
    """Hash the mapping's own code: a new mapping invalidates every graph digest of earlier syncs."""
    from kg import pgmap

    return hashlib.blake2b(Path(pgmap.__file__).read_bytes(), digest_size=8).hexdigest()


def sync_store(store: ox.Store, ontology: Ontology, settings: Neo4jSettings, *,
               batch_size: int = DEFAULT_BATCH, full: bool = False,
               progress: Callable[[str], None] | None = None) -> SyncResult:
    """Bring Neo4j in step with ``store``; write only what changed since the last sync.

    Source graphs whose content digest equals the one recorded at the last completed sync are
    skipped without being read; the nodes of the other graphs are mapped and compared by hash.
    ``full=True`` compares every node and rewrites all of them (repairs edits made in Neo4j).
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    result = SyncResult()
    digests = recorded_digests(store)
    mapping = _mapping_version()
    with connect(settings) as driver:
        run_write(driver, settings, lambda tx: tx.run(CONSTRAINT).consume())
        marker = run_read(driver, settings, READ_MARKER)
        scope: set[str] | None = None  # source ids to look at; None: everything
        # A store built before digests existed has none: compare everything then.
        if not full and digests and marker and marker[0]["mapping"] == mapping:
            before = dict(zip(marker[0]["graphs"] or [], marker[0]["digests"] or []))
            scope = {g for g, d in digests.items() if before.get(g) != d} | (set(before) - set(digests))
            result.graphs_skipped = len(digests) - len(scope & set(digests))
            if not scope:
                result.seconds = time.perf_counter() - started
                return result
        say("reading Neo4j's state")
        rows = run_read(driver, settings, READ_STATE if scope is None else READ_STATE_IN, scope=sorted(scope or []))
        state = {r["uri"]: (r["hash"], r["labels"]) for r in rows}
        seen: set[str] = set()
        subjects = None if scope is None else \
            graph_subjects(store, [graph_iri(*g.split("/")) for g in scope]) | set(state)

        def changed() -> Iterator[PGNode]:
            for node in iter_nodes(store, ontology, result.notes, subjects):
                seen.add(node.uri)
                result.nodes_total += 1
                old = state.get(node.uri)
                if full or old is None or old[0] != node.hash:
                    yield node

        # Mapping (Python) and writing (Neo4j) overlap: batch k is written by one worker thread
        # while batch k+1 is mapped; at most one batch waits, and batches commit in order.
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending = None
            for batch in _batches(changed(), batch_size):
                job = writer.submit(_write_batch, driver, settings, batch, state)
                if pending is not None:
                    _count(result, pending.result(), say)
                pending = job
            if pending is not None:
                _count(result, pending.result(), say)
        gone = [uri for uri in state if uri not in seen]
        for batch in _batches(gone, batch_size):
            counters = run_write(driver, settings,
                                 lambda tx, b=batch: tx.run(DELETE_NODES, uris=b).consume().counters)
            result.add_counters(counters)
            result.nodes_deleted += len(batch)
        # Recorded last: a sync that died before this line is redone (graph by graph) next time.
        graphs = sorted(digests)
        run_write(driver, settings, lambda tx: tx.run(WRITE_MARKER, graphs=graphs, mapping=mapping,
                                                      digests=[digests[g] for g in graphs]).consume())
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class VerifyResult:
    """Differences between the RDF store's mapping and Neo4j (empty lists: in step)."""

    label_diffs: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (rdf, neo4j)
    rel_diffs: dict[str, tuple[int, int]] = field(default_factory=dict)
    value_diffs: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    rels: dict[str, int] = field(default_factory=dict)
    sampled: int = 0

    @property
    def ok(self) -> bool:
        """True when counts and sampled values agree."""
        return not (self.label_diffs or self.rel_diffs or self.value_diffs)


def verify_sync(store: ox.Store, ontology: Ontology, settings: Neo4jSettings, *, sample: int = 200,
                seed: int = 0) -> VerifyResult:
    """Compare counts per label and relationship type, and a sample of nodes' values."""
    mapped: MappedGraph = map_graph(store, ontology)
    out = VerifyResult(labels=mapped.label_counts(), rels=mapped.rel_counts())
    with connect(settings) as driver:
        neo_labels = {r["label"]: r["n"] for r in run_read(
            driver, settings, "MATCH (n:Resource) UNWIND labels(n) AS label RETURN label, count(*) AS n")}
        neo_rels = {r["type"]: r["n"] for r in run_read(
            driver, settings, "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")}
        for name in sorted(set(out.labels) | set(neo_labels)):
            if out.labels.get(name, 0) != neo_labels.get(name, 0):
                out.label_diffs[name] = (out.labels.get(name, 0), neo_labels.get(name, 0))
        for name in sorted(set(out.rels) | set(neo_rels)):
            if out.rels.get(name, 0) != neo_rels.get(name, 0):
                out.rel_diffs[name] = (out.rels.get(name, 0), neo_rels.get(name, 0))
        uris = sorted(mapped.nodes)
        picked = random.Random(seed).sample(uris, min(sample, len(uris)))
        rows = run_read(driver, settings, """
            UNWIND $uris AS uri MATCH (n:Resource {uri: uri})
            RETURN uri, properties(n) AS props, labels(n) AS labels,
                   [(n)-[r]->(b) | [type(r), b.uri, r.sources]] AS rels""", uris=picked)
        found = {r["uri"]: r for r in rows}
        for uri in picked:
            node, row = mapped.nodes[uri], found.get(uri)
            if row is None:
                out.value_diffs.append(f"{uri}: missing in Neo4j")
                continue
            props = {k: _plain(v) for k, v in row["props"].items() if k != "syncHash"}
            if props != node.props:
                keys = sorted(k for k in set(props) | set(node.props) if props.get(k) != node.props.get(k))
                out.value_diffs.append(f"{uri}: properties differ: {', '.join(keys)}")
            if sorted(row["labels"]) != node.labels:
                out.value_diffs.append(f"{uri}: labels {sorted(row['labels'])} != {node.labels}")
            rels = sorted((t, e, tuple(s or ())) for t, e, s in row["rels"])
            if rels != sorted((r.type, r.end, r.sources) for r in node.rels):
                out.value_diffs.append(f"{uri}: outgoing relationships differ")
        out.sampled = len(picked)
    return out


def _plain(value):
    """Turn driver values (neo4j.time.Date, lists) into what kg.pgmap produces."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def neo4j_settings(config: Config) -> Neo4jSettings:
    """Return the connection settings: the environment's, or the local server's when NEO4J_URI is unset."""
    settings = Neo4jSettings.from_env()
    if not os.environ.get("NEO4J_URI") and config.neo4j_state is not None:
        status = server_status(config.neo4j_state)
        if status.running and status.uri:
            settings = replace(settings, uri=status.uri)
    return settings


def format_verify(check: VerifyResult) -> str:
    """Render a verification as a table of counts and a verdict."""
    lines = ["label / type                 rdf    neo4j"]
    for name, n in sorted(check.labels.items()):
        lines.append(f"  :{name:<24} {n:>7} {check.label_diffs.get(name, (n, n))[1]:>8}")
    for name in sorted(set(check.label_diffs) - set(check.labels)):
        lines.append(f"  :{name:<24} {0:>7} {check.label_diffs[name][1]:>8}")
    for name, n in sorted(check.rels.items()):
        lines.append(f"  [{name}]{'':<{max(0, 22 - len(name))}} {n:>7} {check.rel_diffs.get(name, (n, n))[1]:>8}")
    for name in sorted(set(check.rel_diffs) - set(check.rels)):
        lines.append(f"  [{name}]{'':<{max(0, 22 - len(name))}} {0:>7} {check.rel_diffs[name][1]:>8}")
    lines += [f"  - {d}" for d in check.value_diffs]
    verdict = "in step" if check.ok else (f"DIFFERENT: {len(check.label_diffs)} label count(s), "
                                          f"{len(check.rel_diffs)} relationship count(s), "
                                          f"{len(check.value_diffs)} value difference(s)")
    lines.append(f"verify: {len(check.labels)} labels, {len(check.rels)} "
                 f"relationship types, {check.sampled} nodes' values sampled: {verdict}")
    return "\n".join(lines)
