"""Map the RDF graph to property-graph nodes and relationships (DESIGN.md, "Neo4j mapping").

Rules:

- a typed project resource is a node labelled with its class, every aigc superclass and
  ``Resource``; ``uri`` is its IRI and ``id`` its slug;
- ``rdfs:label`` becomes ``label_zh`` / ``label_en`` plus ``label`` (the display name: English
  where there is one, else Chinese); ``skos:altLabel`` becomes the list ``aliases``; any other
  language-tagged literal becomes ``{name}_{lang}``;
- other literals become properties named after the predicate's local name, typed: xsd:date ->
  Neo4j date, xsd:integer -> integer, xsd:decimal/double/float -> float, xsd:boolean -> boolean;
  a partial date (xsd:gYearMonth, xsd:gYear) stays an ISO string ("2023-06"), which sorts with
  full dates as text and invents no day; several values make a list;
- an IRI object that is itself a node becomes a relationship named after the predicate in
  UPPER_SNAKE_CASE (``developedBy`` -> ``DEVELOPED_BY``) carrying ``sources``; any other IRI
  (a source URL, a concept scheme) becomes a string property (``dcterms:source`` URLs:
  ``sourceUrls``);
- ``sources`` (on nodes and relationships) lists the source graphs asserting the facts, as ids
  like ``curated/models``.

Values Neo4j cannot store as they are (an integer beyond 64 bits, a date outside years 1–9999)
are kept as their lexical string and reported in ``MappedGraph.notes``.

>>> upper_snake("developedBy"), upper_snake("partOf"), upper_snake("hasModality")
('DEVELOPED_BY', 'PART_OF', 'HAS_MODALITY')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespaces import AIGC, META_GRAPH, ONTOLOGY_GRAPH, RESOURCE, source_id
from kg.ontology import Ontology

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
XSD = "http://www.w3.org/2001/XMLSchema#"
CONTENT_DIGEST = str(AIGC.contentDigest)
RESOURCE_LABEL = "Resource"
# dcterms:source URLs would read as "source" beside "sources" (the source graphs): name them plainly.
_IRI_PROPERTY_NAMES = {"http://purl.org/dc/terms/source": "sourceUrls"}
_INT64 = (-(2**63), 2**63 - 1)


@dataclass
class PGNode:
    """A node: its labels, its properties (``uri`` and ``id`` included) and a content hash."""

    uri: str
    labels: list[str]
    props: dict
    sources: list[str]
    rels: list[PGRel] = field(default_factory=list)  # outgoing
    hash: str = ""


@dataclass(frozen=True)
class PGRel:
    """A relationship from one node to another."""

    start: str
    type: str
    end: str
    sources: tuple[str, ...]


@dataclass
class MappedGraph:
    """The whole property graph, plus notes on values that could not be stored as they are."""

    nodes: dict[str, PGNode] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def label_counts(self) -> dict[str, int]:
        """Count nodes per label."""
        counts: dict[str, int] = defaultdict(int)
        for node in self.nodes.values():
            for label in node.labels:
                counts[label] += 1
        return dict(counts)

    def rel_counts(self) -> dict[str, int]:
        """Count relationships per type."""
        counts: dict[str, int] = defaultdict(int)
        for node in self.nodes.values():
            for rel in node.rels:
                counts[rel.type] += 1
        return dict(counts)


def upper_snake(name: str) -> str:
    """Turn a camelCase property name into an UPPER_SNAKE_CASE relationship type."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def typed_resources(store: ox.Store) -> set[str]:
    """Return the IRIs of every project resource that has a type (the future nodes)."""
    return {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(RESOURCE)
            and q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH)}


def data_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """Return the source graphs (every named graph but the ontology and the build's metadata)."""
    return sorted((g for g in store.named_graphs()
                   if isinstance(g, ox.NamedNode) and g.value not in (ONTOLOGY_GRAPH, META_GRAPH)),
                  key=lambda g: g.value)


# Reading a quad from the on-disk store costs about 12 µs (its terms are decoded from RocksDB);
# one lookup per subject adds about 130 µs (a new index iterator). So a sync of most of the store
# reads it graph by graph in index order, where a subject's facts in one graph come together: a
# subject with facts in one graph only is mapped as soon as its last fact is read; the few with
# facts in several graphs (found first by one query) are held until every graph was read. A sync
# of a few subjects looks each one up.
_SCAN_SHARE = 0.2
_SHARED_SUBJECTS = f"""SELECT DISTINCT ?s WHERE {{
  GRAPH ?g1 {{ ?s a ?type }} GRAPH ?g2 {{ ?s ?p ?o }}
  FILTER(?g1 != ?g2 && ?g2 != <{ONTOLOGY_GRAPH}> && ?g2 != <{META_GRAPH}>)
}}"""


class _OrderError(RuntimeError):
    """A graph's quads did not come grouped by subject (an in-memory Store does not keep that order)."""


def _facts(store: ox.Store, subjects: set[str], whole: bool) -> Iterator[tuple[str, list]]:
    if not whole:
        skip = (ONTOLOGY_GRAPH, META_GRAPH)
        for subject in sorted(subjects):
            yield subject, [(q.predicate.value, q.object, q.graph_name.value)
                            for q in store.quads_for_pattern(ox.NamedNode(subject), None, None, None)
                            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in skip]
        return
    shared = {row[0].value for row in store.query(_SHARED_SUBJECTS) if isinstance(row[0], ox.NamedNode)}
    held: dict[str, list] = defaultdict(list)
    for graph in data_graphs(store):
        g = graph.value
        current, facts, seen = None, [], set()
        for q in store.quads_for_pattern(None, None, None, graph):
            s = q.subject
            if not isinstance(s, ox.NamedNode):
                continue
            subject = s.value
            if subject != current:
                if facts:
                    yield current, facts
                if subject in seen:  # the index order this relies on did not hold
                    raise _OrderError(f"{subject}: facts in {g} not read together")
                seen.add(subject)
                current = subject
                facts = [] if subject in subjects and subject not in shared else None
                target = held[subject] if subject in subjects and subject in shared else None
            if facts is not None:
                facts.append((q.predicate.value, q.object, g))
            elif target is not None:
                target.append((q.predicate.value, q.object, g))
        if facts:
            yield current, facts
    for subject in sorted(held):
        yield subject, held.pop(subject)


def iter_nodes(store: ox.Store, ontology: Ontology, notes: list[str],
               subjects: Iterable[str] | None = None, *, scan: bool = True) -> Iterator[PGNode]:
    """Yield the node of every typed project resource of ``store`` (or of ``subjects`` only), by IRI.

    ``scan=False`` looks every subject up instead of reading graph by graph, which relies on the
    on-disk store's index order (an in-memory ``pyoxigraph.Store`` does not keep it).
    """
    typed = typed_resources(store)
    wanted = typed if subjects is None else set(subjects) & typed
    mapper = _Mapper(ontology, typed, notes)
    for subject, facts in _facts(store, wanted, scan and len(wanted) > _SCAN_SHARE * len(typed)):
        yield mapper.node(subject, facts)


def graph_subjects(store: ox.Store, graphs: Iterable[str]) -> set[str]:
    """Return every project resource that has a fact in one of ``graphs``."""
    return {q.subject.value for g in graphs for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(RESOURCE)}


def recorded_digests(store: ox.Store) -> dict[str, str]:
    """Return the content digest the build recorded for each source graph (id -> digest).

    (``kg.build.graph_digests`` computes them from quads; this reads what a build stored.)
    """
    digest = ox.NamedNode(CONTENT_DIGEST)
    return {source_id(q.subject.value): q.object.value
            for q in store.quads_for_pattern(None, digest, None, ox.NamedNode(META_GRAPH))}


def map_graph(store: ox.Store, ontology: Ontology) -> MappedGraph:
    """Map every typed project resource of ``store`` to a node with its outgoing relationships."""
    out = MappedGraph()
    try:
        for node in iter_nodes(store, ontology, out.notes):
            out.nodes[node.uri] = node
    except _OrderError:  # an in-memory store (exports, analyses): look each subject up instead
        out = MappedGraph()
        for node in iter_nodes(store, ontology, out.notes, scan=False):
            out.nodes[node.uri] = node
    return out


class _Mapper:
    """Map one subject's facts to a node; what depends only on a predicate, class or graph is cached."""

    def __init__(self, ontology: Ontology, typed: set[str], notes: list[str]):
        self.ontology, self.typed, self.notes = ontology, typed, notes
        self._preds: dict[str, tuple[str, str, str]] = {}
        self._classes: dict[str, tuple[str, ...]] = {}
        self._sources: dict[str, str] = {}

    def _pred(self, pred: str) -> tuple[str, str, str]:
        """(property name, relationship type, name as an IRI-valued property) of a predicate."""
        info = self._preds.get(pred)
        if info is None:
            name = _local(pred)
            info = self._preds[pred] = (name, upper_snake(name), _IRI_PROPERTY_NAMES.get(pred, name))
        return info

    def _class_labels(self, iri: str) -> tuple[str, ...]:
        labels = self._classes.get(iri)
        if labels is None:
            cls = self.ontology.class_by_iri(iri)
            labels = self._classes[iri] = tuple(_local(a) for a in cls.ancestors) if cls is not None else ()
        return labels

    def _source(self, graph: str) -> str:
        sid = self._sources.get(graph)
        if sid is None:
            sid = self._sources[graph] = source_id(graph)
        return sid

    def node(self, uri: str, facts) -> PGNode:
        labels = {RESOURCE_LABEL}
        props: dict[str, list] = defaultdict(list)
        rel_sources: dict[tuple[str, str], set[str]] = defaultdict(set)
        sources: set[str] = set()
        typed, notes = self.typed, self.notes
        for pred, obj, graph in facts:
            sid = self._source(graph)
            sources.add(sid)
            if pred == RDF_TYPE:
                labels.update(self._class_labels(obj.value))
                continue
            name, rtype, iri_name = self._pred(pred)
            if isinstance(obj, ox.NamedNode):
                if obj.value in typed:
                    rel_sources[(rtype, obj.value)].add(sid)
                else:
                    props[iri_name].append(obj.value)
            elif isinstance(obj, ox.Literal):
                if pred == ALT_LABEL:
                    props["aliases"].append(obj.value)
                elif obj.language:
                    props[f"{'label' if pred == RDFS_LABEL else name}_{obj.language}"].append(obj.value)
                else:
                    props[name].append(_value(obj, uri, name, notes))
        node_props: dict = {}
        for name, values in props.items():
            if len(values) > 1:
                values = sorted(set(values), key=_sort_key)
                if len({type(v) for v in values}) > 1:  # Neo4j lists hold one type: keep the lexical forms
                    notes.append(f"{uri} {name}: values of different types {values!r}; stored as text")
                    values = sorted({v.isoformat() if isinstance(v, dt.date) else str(v) for v in values})
            node_props[name] = values if len(values) > 1 or name == "aliases" else values[0]
        display = node_props.get("label_en") or node_props.get("label_zh")
        if display is not None:
            node_props["label"] = display[0] if isinstance(display, list) else display
        node_props["uri"] = uri
        node_props["id"] = uri.rsplit("/", 1)[-1]
        node_props["sources"] = sorted(sources)
        rels = [PGRel(uri, rtype, end, tuple(sorted(srcs))) for (rtype, end), srcs in sorted(rel_sources.items())]
        node = PGNode(uri, sorted(labels), node_props, node_props["sources"], rels)
        node.hash = content_hash(node)
        return node


def _sort_key(value) -> tuple:
    return (type(value).__name__, str(value))


def _value(lit: ox.Literal, uri: str, name: str, notes: list[str]):
    datatype = lit.datatype.value[len(XSD):] if lit.datatype.value.startswith(XSD) else None
    text = lit.value
    try:
        if datatype == "integer" or datatype in ("int", "long", "short", "nonNegativeInteger", "positiveInteger"):
            number = int(text)
            if not _INT64[0] <= number <= _INT64[1]:
                notes.append(f"{uri} {name}: {text} is beyond Neo4j's 64-bit integers; stored as text")
                return text
            return number
        if datatype in ("decimal", "double", "float"):
            return float(text)
        if datatype == "boolean":
            return text in ("true", "1")
        if datatype == "date":
            return dt.date.fromisoformat(text)  # years 1-9999, as Neo4j's Date; else ValueError
    except ValueError:
        notes.append(f"{uri} {name}: {text!r} is not a valid xsd:{datatype} for Neo4j; stored as text")
    return text


def content_hash(node: PGNode) -> str:
    """Hash everything the sync writes for a node (labels, properties, outgoing relationships).

    The payload is pickled without memo (``fast``): the bytes depend on the values only, never on
    which equal objects happen to be shared; 2.7x quicker than JSON.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=4)
    pickler.fast = True
    pickler.dump((node.labels, sorted(node.props.items()), [(r.type, r.end, r.sources) for r in node.rels]))
    return hashlib.blake2b(buffer.getvalue(), digest_size=16).hexdigest()
