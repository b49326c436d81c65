"""Sync the RDF store into Neo4j: batched, idempotent, incremental, resumable.

The build records a content digest per source graph; a sync first compares them with the digests
of the last completed sync (kept in Neo4j on a ``:KgSyncState`` node) and leaves unchanged graphs
alone without reading them. Every node written carries ``syncHash``, a hash of everything the sync
writes for it (labels, properties, outgoing relationships; see ``kg.pgmap``). A sync reads the
hashes Neo4j holds, maps the RDF store, and writes only the nodes whose hash differs, with their
outgoing relationships, in batches of one transaction each: nodes new to Neo4j are created,
changed ones updated (their outgoing relationships are replaced), then the batch's relationships
are created. A relationship to a node that a later batch writes waits for that batch, and its
start node gets its ``syncHash`` only then, once all its relationships exist. Nodes Neo4j holds
that the RDF store no longer has are deleted. A sync that dies half way therefore leaves some
nodes without their new hash, and the next sync rewrites exactly those: it converges to the same
graph as an uninterrupted sync.

A batch that fails on a transient error (a cluster's leader switch, a lost connection, a deadlock,
a terminated transaction) is run again with backoff (``kg.neo4j_client.run_write_retried``); a
retried batch MERGEs its nodes and relationships instead of creating them, so that a first attempt
whose commit went through unacknowledged is not written twice. ``SyncResult.retries`` counts them.

Every query has one fixed, parameterised shape; labels and relationship types are passed as
parameters through Cypher's dynamic ``$(...)`` syntax (Neo4j 5.26+), never formatted into text.
"""

from __future__ import annotations

import hashlib
import math
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
from kg.errors import ServiceError
from kg.neo4j_client import Neo4jSettings, connect, run_read, run_write, run_write_retried
from kg.neo4j_server import server_status
from kg.ontology import Ontology
from kg.namespaces import graph_iri
from kg.pgmap import MappedGraph, PGNode, graph_subjects, iter_nodes, map_graph, recorded_digests

DEFAULT_BATCH = 2000
CONSTRAINT = "CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE"
READ_STATE = "MATCH (n:Resource) RETURN n.uri AS uri, n.syncHash AS hash, labels(n) AS labels"
READ_STATE_IN = """MATCH (n:Resource) WHERE any(s IN n.sources WHERE s IN $scope)
RETURN n.uri AS uri, n.syncHash AS hash, labels(n) AS labels"""
READ_STATE_OF = """UNWIND $uris AS uri MATCH (n:Resource {uri: uri})
RETURN n.uri AS uri, n.syncHash AS hash, labels(n) AS labels"""
# What the last completed sync saw: each source graph's content digest and the mapping's version.
READ_MARKER = "MATCH (s:KgSyncState {id: 'sync'}) RETURN s.graphs AS graphs, s.digests AS digests, s.mapping AS mapping"
WRITE_MARKER = """MERGE (s:KgSyncState {id: 'sync'})
SET s.graphs = $graphs, s.digests = $digests, s.mapping = $mapping, s.syncedAt = datetime()"""
# A batch is one transaction: new nodes are created, changed ones updated (their outgoing
# relationships deleted first), then the batch's relationships are created between nodes that
# exist by then. A relationship whose end node is written by a later batch waits for that batch;
# its start node gets its ``syncHash`` only there, once all its relationships exist.
CREATE_NODES = """
UNWIND $rows AS row
CREATE (n:$(row.labels))
SET n = row.props
"""
# Deleting the old relationships and matching new ones in one query (MERGE with a dynamic type,
# or OPTIONAL MATCH (a)-[old]->(b)) is planned by Neo4j 5.26 as a scan per row: they are replaced.
DROP_OUT_RELS = """
UNWIND $rows AS row
MATCH (a:Resource {uri: row.uri})-[r]->()
DELETE r
"""
UPDATE_NODES = """
UNWIND $rows AS row
MERGE (n:Resource {uri: row.uri})
SET n = row.props
WITH n, row
REMOVE n:$(row.drop)
SET n:$(row.labels)
"""
# A relationship row is a list [start uri, type, end uri, sources]: lists pack quicker than maps.
WRITE_RELS = """
UNWIND $rels AS rel
MATCH (a:Resource {uri: rel[0]})
MATCH (b:Resource {uri: rel[2]})
CREATE (a)-[r:$(rel[1])]->(b)
SET r.sources = rel[3]
"""
# A retried batch: the relationships may exist from an attempt whose commit was not acknowledged.
MERGE_RELS = """
UNWIND $rels AS rel
MATCH (a:Resource {uri: rel[0]})
MATCH (b:Resource {uri: rel[2]})
MERGE (a)-[r:$(rel[1])]->(b)
SET r.sources = rel[3]
RETURN count(r) AS n
"""
FINISH_NODES = """
UNWIND $done AS d
MATCH (n:Resource {uri: d.uri})
SET n.syncHash = d.hash
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
    retries: int = 0  # write transactions run again after a transient failure
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


@dataclass
class _Batch:
    """The rows of one write transaction."""

    created: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    rels: list[list] = field(default_factory=list)  # [start, type, end, sources]
    done: list[dict] = field(default_factory=list)  # nodes of earlier batches now complete

    @property
    def nodes(self) -> int:
        return len(self.created) + len(self.updated)


class _Planner:
    """Split the changed nodes into batches whose relationships only join nodes that exist by then."""

    def __init__(self, state: dict, present: Callable[[str], bool]):
        self.state = state
        self.present = present  # does Neo4j hold this node before the sync writes anything?
        self.written: set[str] = set()
        self.waiting_for: dict[str, list[list]] = {}  # end node -> relationships waiting for it
        self.missing: dict[str, list] = {}  # start node -> [relationships still waiting, its hash]

    def batch(self, nodes: list[PGNode]) -> _Batch:
        out = _Batch()
        self.written.update(n.uri for n in nodes)
        for node in nodes:
            waits = 0
            for r in node.rels:
                rel = [r.start, r.type, r.end, list(r.sources)]
                if r.end in self.written or self.present(r.end):
                    out.rels.append(rel)
                else:
                    self.waiting_for.setdefault(r.end, []).append(rel)
                    waits += 1
            props = dict(node.props)
            if waits:
                self.missing[node.uri] = [waits, node.hash]
            else:
                props["syncHash"] = node.hash
            old = self.state.get(node.uri)
            if old is None:
                out.created.append({"props": props, "labels": node.labels})
            else:
                out.updated.append({"uri": node.uri, "props": props, "labels": node.labels,
                                    "drop": sorted(set(old[1] or []) - set(node.labels))})
            for rel in self.waiting_for.pop(node.uri, ()):
                out.rels.append(rel)
                entry = self.missing[rel[0]]
                entry[0] -= 1
                if entry[0] == 0:
                    del self.missing[rel[0]]
                    out.done.append({"uri": rel[0], "hash": entry[1]})
        return out

    def rest(self) -> _Batch | None:
        """Relationships still waiting (their end node is absent: Neo4j was changed by hand)."""
        if not self.waiting_for:
            return None
        out = _Batch(rels=[rel for rels in self.waiting_for.values() for rel in rels])
        out.done = [{"uri": uri, "hash": h} for uri, (_, h) in self.missing.items()]
        self.waiting_for.clear()
        return out


def batch_work(batch: _Batch, attempt: int = 0) -> Callable:
    """The transaction function writing ``batch``; from the second attempt on it MERGEs everything.

    The first attempt may have committed without the acknowledgement arriving, so a retry creates
    nothing twice: new nodes are merged by uri (their outgoing relationships dropped first) and
    relationships merged.
    """
    created, updated = batch.created, batch.updated
    if attempt:
        updated = updated + [{"uri": row["props"]["uri"], "props": row["props"], "labels": row["labels"],
                              "drop": []} for row in created]
        created = []

    def write(tx):
        out = []
        if created:
            out.append(tx.run(CREATE_NODES, rows=created).consume().counters)
        if updated:
            out.append(tx.run(DROP_OUT_RELS, rows=updated).consume().counters)
            out.append(tx.run(UPDATE_NODES, rows=updated).consume().counters)
        if batch.rels:
            if attempt:
                result = tx.run(MERGE_RELS, rels=batch.rels)
                written = result.single()["n"]
                counters = result.consume().counters
            else:
                counters = tx.run(WRITE_RELS, rels=batch.rels).consume().counters
                written = counters.relationships_created
            if written != len(batch.rels):
                raise ServiceError(
                    f"{len(batch.rels) - written} relationship(s) could not be written: "
                    "their end nodes are missing in Neo4j, which was changed outside `kg sync` since the last "
                    "sync; run `kg sync --full` to rewrite every node")
            out.append(counters)
        if batch.done:
            out.append(tx.run(FINISH_NODES, done=batch.done).consume().counters)
        return out
    return write


# Relationships per transaction at most. The batch that writes a hub node also writes every
# relationship that waited for it: at 10M triples one batch held 2 million commands, and the
# server (heap 3 GB) failed applying it (OutOfMemoryError) and needed a restart.
MAX_RELS_PER_TX = 50_000


def split_batch(batch: _Batch, limit: int) -> list[_Batch]:
    """``batch`` as one transaction, or, past ``limit`` relationships, as several in order.

    When split, the nodes are written by the first part without their ``syncHash``, which the
    last part sets (with the batch's ``done`` nodes): a sync stopped between the parts leaves
    them without a hash, so the next sync rewrites them (outgoing relationships included) and
    converges.
    """
    if len(batch.rels) <= limit:
        return [batch]
    first, finish = _Batch(), []
    for rows, out, key in ((batch.created, first.created, None), (batch.updated, first.updated, "uri")):
        for row in rows:
            props = dict(row["props"])
            digest = props.pop("syncHash", None)
            out.append(dict(row, props=props))
            if digest is not None:
                finish.append({"uri": row[key] if key else props["uri"], "hash": digest})
    parts = [first] + [_Batch() for _ in range((len(batch.rels) - 1) // limit)]
    for i, part in enumerate(parts):
        part.rels = batch.rels[i * limit:(i + 1) * limit]
    parts[-1].done = batch.done + finish
    return parts


def _write_batch(driver, settings: Neo4jSettings, batch: _Batch) -> tuple[int, list, list[str]]:
    """Write one batch as one transaction (several past ``MAX_RELS_PER_TX`` relationships), each
    again after a transient failure; say why one was retried."""
    retries: list[str] = []
    counters: list = []
    for part in split_batch(batch, MAX_RELS_PER_TX):
        counters += run_write_retried(driver, settings, lambda attempt, p=part: batch_work(p, attempt),
                                      on_retry=lambda exc: retries.append(_retry_note(exc)))
    return batch.nodes, counters, retries


def _retry_note(exc: BaseException) -> str:
    code = getattr(exc, "code", None) or type(exc).__name__
    text = (getattr(exc, "message", None) or str(exc)).strip().splitlines()
    return f"a write transaction was retried after {code}" + (f" ({text[0][:200]})" if text else "")


def _count(result: SyncResult, written: tuple[int, list, list[str]], say) -> None:
    nodes, counters, retries = written
    result.retries += len(retries)
    result.notes += retries
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
        whole = scope is None or not (set(digests) - scope)
        if whole:
            rows = run_read(driver, settings, READ_STATE)
        else:
            rows = run_read(driver, settings, READ_STATE_IN, scope=sorted(scope))
        state = {r["uri"]: (r["hash"], r["labels"]) for r in rows}
        seen: set[str] = set()
        subjects = None
        if not whole:
            subjects = graph_subjects(store, [graph_iri(*g.split("/")) for g in scope]) | set(state)
            # nodes of a changed graph that Neo4j holds for another graph's sake
            others = sorted(subjects - set(state))
            for part in _batches(others, 10_000):
                state.update((r["uri"], (r["hash"], r["labels"]))
                             for r in run_read(driver, settings, READ_STATE_OF, uris=part))
        # Is a node in Neo4j before this sync writes? Outside a partial sync's subjects: yes, as
        # the last completed sync wrote it (if it did not, WRITE_RELS says so).
        present = (lambda uri: uri in state) if subjects is None else \
            (lambda uri: uri in state or uri not in subjects)
        planner = _Planner(state, present)

        def changed() -> Iterator[PGNode]:
            for node in iter_nodes(store, ontology, result.notes, subjects):
                seen.add(node.uri)
                result.nodes_total += 1
                old = state.get(node.uri)
                if full or old is None or old[0] != node.hash:
                    yield node

        def planned() -> Iterator[_Batch]:
            for nodes in _batches(changed(), batch_size):
                yield planner.batch(nodes)
            if (rest := planner.rest()) is not None:
                yield rest

        # Mapping (Python) and writing (Neo4j) overlap: batch k is written by one worker thread
        # while batch k+1 is mapped; at most one batch waits, and batches commit in order.
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending = None
            for batch in planned():
                job = writer.submit(_write_batch, driver, settings, batch)
                if pending is not None:
                    _count(result, pending.result(), say)
                pending = job
            if pending is not None:
                _count(result, pending.result(), say)
        gone = [uri for uri in state if uri not in seen]
        for batch in _batches(gone, batch_size):  # deleting twice is harmless: retried as it is
            counters = run_write_retried(
                driver, settings, lambda _attempt, b=batch: lambda tx: tx.run(DELETE_NODES, uris=b).consume().counters,
                on_retry=lambda exc: (setattr(result, "retries", result.retries + 1),
                                      result.notes.append(_retry_note(exc))))
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
            if not _same(props, node.props):
                keys = sorted(k for k in set(props) | set(node.props) if not _same(props.get(k), node.props.get(k)))
                out.value_diffs.append(f"{uri}: properties differ: {', '.join(keys)}")
            if sorted(row["labels"]) != node.labels:
                out.value_diffs.append(f"{uri}: labels {sorted(row['labels'])} != {node.labels}")
            rels = sorted((t, e, tuple(s or ())) for t, e, s in row["rels"])
            if rels != sorted((r.type, r.end, r.sources) for r in node.rels):
                out.value_diffs.append(f"{uri}: outgoing relationships differ")
        out.sampled = len(picked)
    return out


def _same(a, b) -> bool:
    """Equality in which NaN equals NaN (an xsd:double "NaN" is stored as one) and -0.0 is not 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _plain(value):
    """Turn driver values (neo4j.time.Date, lists) into what kg.pgmap produces."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def neo4j_settings(config: Config) -> Neo4jSettings:
    """Return the connection settings: the environment's, or the local server's when NEO4J_URI is unset.

    The database is ``NEO4J_DATABASE``, else ``[neo4j] database`` in kg.toml, else ``neo4j``.
    """
    settings = Neo4jSettings.from_env()
    if not os.environ.get("NEO4J_DATABASE") and config.neo4j_database:
        settings = replace(settings, database=config.neo4j_database)
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
