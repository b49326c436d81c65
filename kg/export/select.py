"""Choose a subgraph: seeds and hops with filters, a SPARQL query, or a Cypher query on Neo4j.

A :class:`Selection` holds quads (each fact in the named graph of the source that asserts it) and
the IRIs of its nodes (typed project resources). A relationship is kept only when both its ends
are selected: a selection is the subgraph the nodes induce. Provenance (``dcterms:source`` links,
the facts about the source documents and URLs, and what the build recorded about each source
graph) comes along only with ``with_sources=True``.

Values from the user never reach a query string: seeds are resolved and the graph is walked with
pattern lookups (``quads_for_pattern``); SPARQL and Cypher given by the user run read-only.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import InputError, QueryError
from kg.namespaces import (
    AIGC, ALT_LABEL, GRAPH, META_GRAPH, ONTOLOGY_GRAPH, RDFS_LABEL, RDF_TYPE, RESOURCE, SOURCE,
)
from kg.ontology import Ontology, load_ontology
from kg.pgmap import MappedGraph, map_graph, upper_snake

PART_OF = ox.NamedNode(str(AIGC.partOf))
IN_LAYER = ox.NamedNode(str(AIGC.inLayer))
SERVES_INDUSTRY = ox.NamedNode(str(AIGC.servesIndustry))
REGION_LINKS = (ox.NamedNode(str(AIGC.headquarteredIn)), ox.NamedNode(str(AIGC.jurisdiction)))
DATE_PROPERTIES = {str(AIGC[p]) for p in ("releaseDate", "issuedDate", "date", "foundedDate", "effectiveDate")}
# A CONSTRUCT may build triples that no source asserts: they go to this graph.
QUERY_GRAPH = ox.NamedNode(GRAPH + "query")
_SKIP_GRAPHS = {ONTOLOGY_GRAPH, META_GRAPH}
DIRECTIONS = ("both", "out", "in")


@dataclass
class Selection:
    """A subgraph: its quads (named graphs kept) and its nodes, in the order they were reached."""

    quads: list[ox.Quad]
    nodes: list[str]
    total_nodes: int  # before ``limit`` cut the selection
    depth: int = 0  # hops actually walked (a walk stops early when nothing new is reached)
    complete: bool = True  # False when the walk stopped at ``limit`` (``total_nodes`` is then a lower bound)
    description: str = ""
    with_sources: bool = False  # provenance came along (source documents, graph descriptions)
    _pg: MappedGraph | None = field(default=None, repr=False)

    @property
    def truncated(self) -> bool:
        """Tell whether ``limit`` left nodes out."""
        return self.total_nodes > len(self.nodes)

    def triples(self) -> list[ox.Triple]:
        """Return the distinct triples (graph names dropped), in quad order."""
        return list(dict.fromkeys(q.triple for q in self.quads))  # Quad.triple: 7x quicker than Triple(s, p, o)

    def property_graph(self, ontology: Ontology | None = None) -> MappedGraph:
        """Return the selection as property-graph nodes and relationships (the Neo4j mapping)."""
        if self._pg is None:
            mem = ox.Store()
            mem.extend(q if isinstance(q.graph_name, ox.NamedNode) else
                       ox.Quad(q.subject, q.predicate, q.object, QUERY_GRAPH) for q in self.quads)
            self._pg = map_graph(mem, ontology or load_ontology())
        return self._pg


def node_class(labels: Iterable[str], ontology: Ontology) -> str:
    """Return the most specific class among a node's labels (``Company`` for Company:Organization)."""
    best, depth = "Resource", -1
    for label in labels:
        info = ontology.classes.get(label)
        if info is not None and len(info.ancestors) > depth:
            best, depth = label, len(info.ancestors)
    return best


# ----------------------------------------------------------------------------- seeds


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-·.]+", "", unicodedata.normalize("NFKC", text).casefold())


def _is_node(store: ox.Store, iri: str) -> bool:
    if not iri.startswith(RESOURCE):
        return False
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # not an IRI (a name with spaces, say)
        return False
    return any(q.graph_name.value not in _SKIP_GRAPHS for q in store.quads_for_pattern(node, RDF_TYPE, None))


def _display(store: ox.Store, iri: str) -> str:
    names = {}
    for q in store.quads_for_pattern(ox.NamedNode(iri), RDFS_LABEL, None):
        names.setdefault(q.object.language or "", q.object.value)
    return names.get("en") or names.get("zh") or next(iter(names.values()), iri.rsplit("/", 1)[-1])


def _classes(store: ox.Store, iri: str) -> list[str]:
    return sorted({q.object.value.rsplit("#", 1)[-1] for q in store.quads_for_pattern(ox.NamedNode(iri), RDF_TYPE, None)})


def _short(iri: str) -> str:
    return iri[len(RESOURCE):] if iri.startswith(RESOURCE) else iri


def describe_candidates(store: ox.Store, iris: Iterable[str]) -> list[str]:
    """Return ``org/deepseek (Company) 'DeepSeek'`` lines for a list of resources."""
    return [f"{_short(i)} ({', '.join(_classes(store, i))}) {_display(store, i)!r}" for i in sorted(iris)]


def resolve_seed(store: ox.Store, text: str, ontology: Ontology | None = None) -> str:
    """Return the IRI of the resource that ``text`` names: an IRI, ``kind/slug``, a slug, a label or an alias.

    Raises :class:`InputError` naming the close matches when nothing matches, or listing the
    candidates (with their classes) when several resources have that name.
    """
    text = (text or "").strip()
    if not text:
        raise InputError("an empty name was given as a seed; give an id, an IRI or a name")
    if text.startswith(("http://", "https://")):
        if _is_node(store, text):
            return text
        raise InputError(f"no resource <{text}> in the graph; check the IRI (resources look like "
                         f"{RESOURCE}org/baidu)")
    if "/" in text and _is_node(store, RESOURCE + text):
        return RESOURCE + text
    ontology = ontology or load_ontology()
    found = {RESOURCE + f"{seg}/{text}" for seg in {c.segment for c in ontology.classes.values()}
             if _is_node(store, RESOURCE + f"{seg}/{text}")}
    for lang in ("en", "zh"):
        found |= {q.subject.value for q in store.quads_for_pattern(None, RDFS_LABEL, ox.Literal(text, language=lang))}
    found |= {q.subject.value for q in store.quads_for_pattern(None, ALT_LABEL, ox.Literal(text))}
    found = {i for i in found if _is_node(store, i)}
    if not found:  # the slower way: every name, compared folded (case, width, separators)
        names = _name_index(store)
        found = names.get(_fold(text), set())
        if not found:
            close = difflib.get_close_matches(_fold(text), list(names), n=5, cutoff=0.6)
            hints = sorted({_display(store, i) for key in close for i in names[key]})
            hint = f"; did you mean {', '.join(repr(h) for h in hints)}?" if hints else \
                "; `kg query sparql` can search the labels"
            raise InputError(f"no resource is named {text!r}{hint}")
    if len(found) > 1:
        lines = "\n  ".join(describe_candidates(store, found))
        raise InputError(f"{text!r} is ambiguous: {len(found)} resources have that name; give one of "
                         f"these ids instead:\n  {lines}")
    return next(iter(found))


def _name_index(store: ox.Store) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for pred in (RDFS_LABEL, ALT_LABEL):
        for q in store.quads_for_pattern(None, pred, None):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(RESOURCE):
                names.setdefault(_fold(q.object.value), set()).add(q.subject.value)
                names.setdefault(_fold(q.subject.value.rsplit("/", 1)[-1]), set()).add(q.subject.value)
    return names


# ----------------------------------------------------------------------------- walking


def _facts(store: ox.Store, iri: str) -> list[ox.Quad]:
    return [q for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, None)
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in _SKIP_GRAPHS]


def _types(facts: list[ox.Quad]) -> set[str]:
    return {q.object.value for q in facts if q.predicate == RDF_TYPE}


def _date_span(value: str) -> tuple[str, str]:
    """The first and last day a partial date (2023, 2023-06, 2023-06-01) stands for, as ISO text."""
    return (value + "-01-01"[len(value) - 4:] if len(value) < 10 else value,
            value + "-12-31"[len(value) - 4:] if len(value) < 10 else value)


class _Filter:
    """Which reached nodes the walk keeps (a seed is always kept)."""

    def __init__(self, store, ontology, classes, layers, industries, regions, since, until):
        self.classes = None
        if classes:
            wanted = {_class_iri(c, ontology) for c in classes}
            self.classes = {c.iri for c in ontology.classes.values() if set(c.ancestors) & wanted}
        self.layers = {resolve_seed(store, x, ontology) for x in layers} if layers else None
        self.industries = {resolve_seed(store, x, ontology) for x in industries} if industries else None
        self.regions = _region_closure(store, {resolve_seed(store, x, ontology) for x in regions}) if regions else None
        self.since = _date_span(_check_date(since, "since"))[0] if since else None
        self.until = _date_span(_check_date(until, "until"))[1] if until else None

    def keep(self, facts: list[ox.Quad]) -> bool:
        if self.classes is not None and not (_types(facts) & self.classes):
            return False
        for wanted, preds in ((self.layers, (IN_LAYER,)), (self.industries, (SERVES_INDUSTRY,)),
                              (self.regions, REGION_LINKS)):
            if wanted is not None:
                values = {q.object.value for q in facts if q.predicate in preds}
                if values and not values & wanted:
                    return False
        if self.since or self.until:
            dates = [q.object.value for q in facts if q.predicate.value in DATE_PROPERTIES]
            if dates:
                first = min(_date_span(d)[0] for d in dates)
                last = max(_date_span(d)[1] for d in dates)
                if (self.since and last < self.since) or (self.until and first > self.until):
                    return False
        return True


def _check_date(value: str, name: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(value)):
        raise InputError(f"--{name} expects a date like 2023, 2023-06 or 2023-06-30, got {value!r}")
    return str(value)


def _class_iri(name: str, ontology: Ontology) -> str:
    info = ontology.classes.get(name) or ontology.class_by_iri(name)
    if info is None:
        close = difflib.get_close_matches(name, list(ontology.classes), n=3)
        raise InputError(f"unknown class {name!r}" + (f"; did you mean {', '.join(close)}?" if close else
                                                       f"; classes: {', '.join(sorted(ontology.classes))}"))
    return info.iri


def _relation_iris(names: Iterable[str], ontology: Ontology) -> set[str]:
    known = {p.name: p.iri for p in ontology.properties.values() if p.is_object}
    known["source"] = SOURCE.value
    by_type = {upper_snake(n): iri for n, iri in known.items()}
    out = set()
    for name in names:
        iri = known.get(name) or by_type.get(name) or (name if name in known.values() else None)
        if iri is None:
            close = difflib.get_close_matches(name, list(known), n=3)
            raise InputError(f"unknown relationship {name!r}" + (f"; did you mean {', '.join(close)}?" if close else
                                                                  f"; relationships: {', '.join(sorted(known))}"))
        out.add(iri)
    return out


def _region_closure(store: ox.Store, regions: set[str]) -> set[str]:
    """The regions and every region part of them (China: its provinces and cities)."""
    out, todo = set(regions), list(regions)
    while todo:
        r = todo.pop()
        for q in store.quads_for_pattern(None, PART_OF, ox.NamedNode(r)):
            if q.subject.value not in out:
                out.add(q.subject.value)
                todo.append(q.subject.value)
    return out


def select_subgraph(store: ox.Store, seeds: Iterable[str], *, hops: int = 1, direction: str = "both",
                    classes=None, relations=None, layers=None, industries=None, regions=None,
                    since: str | None = None, until: str | None = None, limit: int | None = None,
                    with_sources: bool = False, ontology: Ontology | None = None,
                    stop_at_limit: bool = False) -> Selection:
    """Select the seeds and what lies within ``hops`` relationships of them.

    ``direction`` is ``both``, ``out`` (follow relationships from subject to object) or ``in``.
    ``relations`` limits the relationships walked (``developedBy`` or ``DEVELOPED_BY``); ``classes``,
    ``layers``, ``industries``, ``regions`` (a region includes its parts) and the window
    ``since``..``until`` decide which reached nodes are kept and walked on: a node is left out when
    it has a value of that kind and none matches (a node with no layer passes a layer filter).
    ``limit`` keeps the nearest nodes; ``total_nodes`` tells how many were reached.
    The walk stops when nothing new is reached, however many hops are asked for.
    With ``stop_at_limit`` it also stops once one node more than ``limit`` is reached (the graph
    view): the nodes kept are the same, ``total_nodes`` is then only a lower bound and
    ``complete`` is False.
    """
    if direction not in DIRECTIONS:
        raise InputError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    if not isinstance(hops, int) or hops < 0:
        raise InputError(f"hops must be a whole number 0 or more, got {hops!r}")
    if limit is not None and limit < 1:
        raise InputError(f"limit must be 1 or more, got {limit!r}")
    ontology = ontology or load_ontology()
    seed_iris = list(dict.fromkeys(resolve_seed(store, s, ontology) for s in seeds))
    if not seed_iris:
        raise InputError("no seed given; name at least one entity (an id, an IRI or a name)")
    walk = _relation_iris(relations, ontology) if relations else None
    keep = _Filter(store, ontology, classes, layers, industries, regions, since, until)
    facts = {iri: _facts(store, iri) for iri in seed_iris}
    rejected: set[str] = set()
    frontier, depth, stop = list(seed_iris), 0, False
    enough = limit + 1 if stop_at_limit and limit is not None else None
    while frontier and depth < hops and not stop:
        reached = []
        for node in frontier:
            for other in _neighbours(store, node, facts[node], direction, walk):
                if other in facts or other in rejected:
                    continue
                other_facts = _facts(store, other)
                if not _types(other_facts) or not keep.keep(other_facts):
                    rejected.add(other)
                    continue
                facts[other] = other_facts
                reached.append(other)
                if enough is not None and len(facts) >= enough:
                    stop = True
                    break
            if stop:
                break
        frontier = reached
        depth += 1 if reached else 0
        if not reached:
            break
    nodes = list(facts)
    total = len(nodes)
    if limit is not None:
        nodes = nodes[:limit]
    sel = _assemble(store, nodes, facts, with_sources)
    sel.total_nodes, sel.depth, sel.complete = total, depth, not stop
    sel.description = f"{', '.join(_short(s) for s in seed_iris)}, {hops} hop(s) {direction}"
    return sel


def _neighbours(store: ox.Store, node: str, facts: list[ox.Quad], direction: str, walk: set[str] | None):
    if direction in ("both", "out"):
        for q in facts:
            if (isinstance(q.object, ox.NamedNode) and q.object.value.startswith(RESOURCE)
                    and q.predicate != SOURCE and q.predicate != RDF_TYPE
                    and (walk is None or q.predicate.value in walk)):
                yield q.object.value
    if direction in ("both", "in"):
        for q in store.quads_for_pattern(None, None, ox.NamedNode(node), None):
            if (isinstance(q.subject, ox.NamedNode) and q.predicate != SOURCE
                    and q.graph_name.value not in _SKIP_GRAPHS and (walk is None or q.predicate.value in walk)):
                yield q.subject.value


def _assemble(store: ox.Store, nodes: list[str], facts: dict[str, list[ox.Quad]] | None,
              with_sources: bool) -> Selection:
    """Build the induced subgraph of ``nodes`` (facts looked up where not given)."""
    facts = facts if facts is not None else {}
    chosen = set(nodes)
    sources: dict[str, None] = {}
    quads: list[ox.Quad] = []
    for node in nodes:
        for q in facts.get(node) or _facts(store, node):
            if q.predicate == SOURCE:
                if with_sources:
                    quads.append(q)
                    sources.setdefault(q.object.value, None)
                continue
            obj = q.object
            if isinstance(obj, ox.NamedNode) and obj.value.startswith(RESOURCE) and obj.value not in chosen:
                continue  # a relationship to a node outside the selection
            quads.append(q)
    nodes = list(nodes)
    if with_sources:
        for src in sources:
            if src in chosen:
                continue
            src_facts = _facts(store, src)
            if _types(src_facts):  # a source document: a node of its own, with its plain facts
                nodes.append(src)
                chosen.add(src)
            quads.extend(q for q in src_facts if not (
                isinstance(q.object, ox.NamedNode) and q.object.value.startswith(RESOURCE)
                and q.object.value not in chosen))
        graphs = {q.graph_name for q in quads}
        meta = ox.NamedNode(META_GRAPH)
        for g in sorted(graphs, key=lambda g: g.value):
            quads.extend(store.quads_for_pattern(g, None, None, meta))
    return Selection(quads=quads, nodes=nodes, total_nodes=len(nodes), with_sources=with_sources)


def select_nodes(store: ox.Store, iris: Iterable[str], *, with_sources: bool = False,
                 limit: int | None = None) -> Selection:
    """Select given resources (IRIs of typed resources; others are ignored) and the facts among them."""
    nodes = [i for i in dict.fromkeys(iris) if _is_node(store, i)]
    total = len(nodes)
    sel = _assemble(store, nodes[:limit] if limit else nodes, None, with_sources)
    sel.total_nodes = total
    return sel


def select_sparql(store: ox.Store, query: str, *, with_sources: bool = False,
                  limit: int | None = None) -> Selection:
    """Select with a read-only SPARQL query.

    CONSTRUCT (or DESCRIBE): exactly the triples it returns, each in the source graphs that
    assert it (a triple no source asserts goes to the graph ``.../graph/query``); its nodes are
    the typed resources among them. SELECT: the resources bound in its rows, and the facts among
    them (as :func:`select_nodes`).
    """
    from kg.query import run_sparql

    result = run_sparql(store, query)
    if result.kind == "ask":
        raise QueryError("an ASK query selects nothing; use CONSTRUCT or SELECT")
    if result.kind == "select":
        iris = [t.value for row in result.rows for t in row if isinstance(t, ox.NamedNode)]
        sel = select_nodes(store, iris, with_sources=with_sources, limit=limit)
        sel.description = "SPARQL SELECT"
        return sel
    quads: list[ox.Quad] = []
    subjects: dict[str, None] = {}
    for s, p, o in result.rows:
        graphs = [q.graph_name for q in store.quads_for_pattern(s, p, o, None)
                  if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in _SKIP_GRAPHS]
        if p == SOURCE and not with_sources:
            continue
        quads.extend(ox.Quad(s, p, o, g) for g in (graphs or [QUERY_GRAPH]))
        if isinstance(s, ox.NamedNode):
            subjects.setdefault(s.value, None)
        if isinstance(o, ox.NamedNode):
            subjects.setdefault(o.value, None)
    nodes = [i for i in subjects if _is_node(store, i)]
    return Selection(quads=quads, nodes=nodes, total_nodes=len(nodes), description="SPARQL CONSTRUCT",
                     with_sources=with_sources)


def select_cypher(settings, query: str, params: dict | None = None, *, store: ox.Store | None = None,
                  with_sources: bool = False, limit: int | None = None, timeout: float = 30.0) -> Selection:
    """Select the nodes a read-only Cypher query returns (nodes, relationships' ends, paths).

    With ``store`` (the embedded store the Neo4j graph was synced from) the selection has the
    store's facts about those nodes; without, the facts are rebuilt from Neo4j's properties
    (see :func:`kg.export.pgrdf.quads_from_neo4j`).
    """
    from kg.cypher import run_cypher

    result = run_cypher(settings, query, params, timeout=timeout, max_rows=None)
    uris: dict[str, None] = {}

    def collect(value):
        if isinstance(value, dict):
            if "labels" in value and "properties" in value:
                if value["properties"].get("uri"):
                    uris.setdefault(value["properties"]["uri"], None)
                return
            if "nodes" in value and "relationships" in value:
                for n in value["nodes"]:
                    collect(n)
                return
            if "start" in value and "end" in value and "type" in value:
                for end in (value["start"], value["end"]):
                    if end:
                        uris.setdefault(end, None)
                return
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)
        elif isinstance(value, str) and value.startswith(RESOURCE):
            uris.setdefault(value, None)

    for row in result.rows:
        collect(row)
    if store is not None:
        sel = select_nodes(store, uris, with_sources=with_sources, limit=limit)
    else:
        from kg.export.pgrdf import quads_from_neo4j

        nodes = list(uris)
        total = len(nodes)
        nodes = nodes[:limit] if limit else nodes
        sel = Selection(quads=quads_from_neo4j(settings, nodes, with_sources=with_sources),
                        nodes=nodes, total_nodes=total, with_sources=with_sources)
    sel.description = "Cypher query"
    return sel
