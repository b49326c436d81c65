"""What the explorer shows that is not export, analysis or reports: search, facets and entity cards.

Search reads every label and alias of the graph's entities once into an :class:`EntityIndex`
(names normalised like report text, :func:`kg.extract.normalise`: case, full width, traditional
characters) and matches a query against it in Python, so no user input ever reaches a SPARQL
string. A name matches exactly, as a prefix, as a substring, or within a small edit distance
(one edit for names up to 5 characters, two beyond; a swap of two neighbours is one edit).

>>> edit_distance("ernei bot", "ernie bot", 2)
1
>>> edit_distance("baidu", "tencent", 1)
2
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import URIRef

from kg.errors import InputError
from kg.extract import normalise
from kg.namespaces import AIGC, DCTERMS, META_GRAPH, ONTOLOGY_GRAPH, RESOURCE, source_id
from kg.ontology import Ontology

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
DCT_SOURCE = str(DCTERMS.source)
DCT_DESCRIPTION = str(DCTERMS.description)
DCT_IDENTIFIER = str(DCTERMS.identifier)
SKOS_IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"
# Evidence read from report text (paragraphs, mentions, candidates, ...) is not an industry entity.
EVIDENCE_CLASS = str(AIGC.ReportElement)
# Facets: which properties place an entity in a layer, an industry or a region, and date it.
LAYER = str(AIGC.inLayer)
INDUSTRY = str(AIGC.servesIndustry)
PART_OF = str(AIGC.partOf)
_REGION_PROPS = (str(AIGC.headquarteredIn), str(AIGC.jurisdiction))
# A model, app, policy or funding round is in the region of the organisation behind it.
_AGENT_PROPS = (str(AIGC.developedBy), str(AIGC.providedBy), str(AIGC.issuedBy), str(AIGC.investee))
_DATE_PROPS = (str(AIGC.releaseDate), str(AIGC.issuedDate), str(AIGC.date), str(AIGC.foundedDate),
               str(AIGC.effectiveDate), str(AIGC.publishedDate))
_SKIP_GRAPHS = (ONTOLOGY_GRAPH, META_GRAPH)
_SPACE = re.compile(r"[\s\-_·・.]+")
FACETS = ("class", "layer", "industry", "region", "year")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Return the edit distance of ``a`` and ``b`` (adjacent swaps count one), or ``limit + 1`` if above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, prev2[j - 2] + 1)
            row[j] = best
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return min(prev[-1], limit + 1)


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class Entity:
    """One entity as search and lists show it."""

    iri: str
    label_en: str | None
    label_zh: str | None
    aliases: tuple[str, ...]
    cls: str  # the most specific class (local name)
    classes: tuple[str, ...]  # that class and its aigc superclasses, nearest first
    layers: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    year: int | None = None

    @property
    def label(self) -> str:
        """The display name: English where there is one, else Chinese, else the slug."""
        return self.label_en or self.label_zh or self.iri.rsplit("/", 1)[-1]

    @property
    def both_labels(self) -> str:
        """``English · 中文`` (one of them when they are equal or one is missing)."""
        parts = [p for p in (self.label_en, self.label_zh) if p]
        return " · ".join(dict.fromkeys(parts)) or self.label


@dataclass(frozen=True)
class Hit:
    """A search result: the entity, how well it matched (0-100) and the name that matched."""

    entity: Entity
    score: int
    matched: str


@dataclass
class SearchResult:
    """Hits (best first, at most ``limit``), their total, counts per class and the facets."""

    query: str
    hits: list[Hit]
    total: int
    groups: dict[str, int]  # class -> hits, most first
    facets: dict[str, list[tuple[str, str, int]]]  # facet -> [(value, label, count)], most first


class EntityIndex:
    """Every entity's names and facet values, read once from a store."""

    def __init__(self, entities: dict[str, Entity], class_labels: dict[str, dict[str, str]]):
        self.entities = entities
        self.class_labels = class_labels  # class local name -> {lang: label}
        self.names: list[tuple[str, str, str, str]] = []  # (normalised, compact, iri, original)
        for e in entities.values():
            for name in dict.fromkeys(n for n in (e.label_en, e.label_zh, *e.aliases) if n):
                norm = normalise(name).strip()
                self.names.append((norm, _compact(norm), e.iri, name))

    def __len__(self) -> int:
        return len(self.entities)

    def label(self, iri: str) -> str:
        """The display name of an entity (or a class, or the IRI's last segment)."""
        e = self.entities.get(iri)
        return e.label if e else iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def search(self, text: str = "", *, classes=None, layers=None, industries=None, regions=None,
               since: int | None = None, until: int | None = None, limit: int = 50) -> SearchResult:
        """Find entities by name (any language, alias, case or width, small typos) and facets.

        An empty ``text`` lists every entity the facets admit (browsing). Facet counts are over
        the hits that match the text and the other facets.
        """
        scored = self._match(text) if text.strip() else {iri: (0, "") for iri in self.entities}
        filters = {"class": set(classes or ()), "layer": set(layers or ()), "industry": set(industries or ()),
                   "region": set(regions or ())}

        def admits(e: Entity, skip: str | None = None) -> bool:
            for facet, wanted in filters.items():
                if wanted and facet != skip and not wanted & set(_facet_values(e, facet)):
                    return False
            if skip != "year" and (since is not None or until is not None):
                if e.year is None or (since is not None and e.year < since) or (until is not None and e.year > until):
                    return False
            return True

        matched = [self.entities[iri] for iri in scored]
        facets = {}
        for facet in FACETS:
            counts = Counter(v for e in matched if admits(e, facet) for v in _facet_values(e, facet))
            facets[facet] = [(v, self._facet_label(facet, v), n)
                             for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]
        kept = [e for e in matched if admits(e)]
        if text.strip():
            kept.sort(key=lambda e: (-scored[e.iri][0], len(e.label), e.label.lower(), e.iri))
        else:
            kept.sort(key=lambda e: (e.label.lower(), e.iri))
        groups = Counter(e.cls for e in kept)
        return SearchResult(text, [Hit(e, *scored[e.iri]) for e in kept[:limit]], len(kept),
                            dict(sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))), facets)

    def _facet_label(self, facet: str, value) -> str:
        if facet == "year":
            return str(value)
        if facet == "class":
            return self.class_labels.get(value, {}).get("en", value)
        return self.label(value)

    def _match(self, text: str) -> dict[str, tuple[int, str]]:
        query = normalise(text).strip()
        compact = _compact(query)
        limit = 1 if len(compact) <= 5 else 2
        best: dict[str, tuple[int, str]] = {}
        for norm, cnorm, iri, name in self.names:
            if norm == query or (compact and cnorm == compact):
                score = 100
            elif norm.startswith(query) or (compact and cnorm.startswith(compact)):
                score = 80
            elif query in norm or (compact and compact in cnorm):
                score = 60
            elif len(compact) >= 3:
                d = edit_distance(compact, cnorm, limit)
                if d <= limit:
                    score = 50 - 10 * d
                else:  # a typo in the start of a longer name ("baidoo" for "Baidu Research")
                    d = edit_distance(compact, cnorm[:len(compact)], limit) if len(cnorm) > len(compact) else limit + 1
                    score = 30 - 10 * d if d <= limit and len(compact) >= 4 else 0
            else:
                score = 0
            if score and score > best.get(iri, (0, ""))[0]:
                best[iri] = (score, name)
        return best


def _facet_values(e: Entity, facet: str) -> tuple:
    if facet == "class":
        return e.classes
    if facet == "year":
        return (e.year,) if e.year is not None else ()
    return {"layer": e.layers, "industry": e.industries, "region": e.regions}[facet]


def _year(lexical: str) -> int | None:
    match = re.match(r"-?\d{4}", lexical)
    return int(match.group()) if match else None


def load_index(store: ox.Store, ontology: Ontology) -> EntityIndex:
    """Read every typed entity (report evidence left out) with its names and facet values."""
    facts: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    wanted = {RDF_TYPE, RDFS_LABEL, ALT_LABEL, LAYER, INDUSTRY, PART_OF, *_REGION_PROPS, *_AGENT_PROPS, *_DATE_PROPS}
    for pred in wanted:
        for q in store.quads_for_pattern(None, ox.NamedNode(pred), None, None):
            if (isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(RESOURCE)
                    and q.graph_name.value not in _SKIP_GRAPHS):
                facts[q.subject.value][pred].append(q.object)
    part_of = {s: [o.value for o in f[PART_OF]] for s, f in facts.items() if f.get(PART_OF)}

    def regions_up(regions: list[str]) -> list[str]:
        out, todo = [], list(regions)
        while todo:
            r = todo.pop()
            if r not in out:
                out.append(r)
                todo.extend(part_of.get(r, ()))
        return out

    direct_regions = {s: regions_up([o.value for p in _REGION_PROPS for o in f.get(p, ())]) for s, f in facts.items()}
    entities = {}
    for iri, f in facts.items():
        infos = [ontology.class_by_iri(t.value) for t in f.get(RDF_TYPE, ())]
        infos = [c for c in infos if c is not None]
        if not infos or any(EVIDENCE_CLASS in c.ancestors for c in infos):
            continue
        cls = max(infos, key=lambda c: len(c.ancestors))  # the most specific
        labels = {lit.language: lit.value for lit in f.get(RDFS_LABEL, ()) if isinstance(lit, ox.Literal)}
        regions = list(direct_regions.get(iri, ()))
        if cls.segment == "region":
            regions = regions_up([iri])
        for p in _AGENT_PROPS:
            for agent in f.get(p, ()):
                regions += [r for r in direct_regions.get(agent.value, ()) if r not in regions]
        year = next((y for p in _DATE_PROPS for lit in f.get(p, ()) if (y := _year(lit.value)) is not None), None)
        entities[iri] = Entity(
            iri=iri, label_en=labels.get("en"), label_zh=labels.get("zh"),
            aliases=tuple(sorted({a.value for a in f.get(ALT_LABEL, ())})),
            cls=cls.name, classes=tuple(a.rsplit("#", 1)[-1] for a in cls.ancestors),
            layers=tuple(sorted({o.value for o in f.get(LAYER, ())})),
            industries=tuple(sorted({o.value for o in f.get(INDUSTRY, ())})),
            regions=tuple(regions), year=year)
    return EntityIndex(entities, ontology_labels(ontology))


def ontology_labels(ontology: Ontology) -> dict[str, dict[str, str]]:
    """Return ``{local name: {lang: label}}`` for every aigc class and property of the ontology."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for s, o in ontology.graph.subject_objects(predicate=URIRef(RDFS_LABEL)):
        if str(s).startswith(str(AIGC)) and getattr(o, "language", None):
            out[str(s)[len(str(AIGC)):]][o.language] = str(o)
    return dict(out)


# --------------------------------------------------------------------------------------------------
# The entity card
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: its source graph, that source's file, and the URLs it cites."""

    graph: str  # source id, e.g. curated/models
    file: str | None = None
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    """One property value or relation of an entity, with the sources asserting it."""

    prop: str  # local name (or CURIE for non-aigc properties)
    prop_label: str
    value: str  # literal text, or the other entity's display name
    iri: str | None  # the other entity of a relation (or an IRI value)
    datatype: str | None
    sources: tuple[Source, ...]


@dataclass
class EntityCard:
    """Everything the entity page shows."""

    iri: str
    labels: dict[str, str]  # lang -> label
    aliases: list[str]
    cls: str
    class_labels: dict[str, str]
    classes: list[str]
    descriptions: dict[str, str]
    properties: list[Fact] = field(default_factory=list)
    outgoing: dict[str, list[Fact]] = field(default_factory=dict)  # relation label -> facts
    incoming: dict[str, list[Fact]] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)  # every source that says anything about it


_CURIES = {"http://purl.org/dc/terms/": "dcterms:", "http://www.w3.org/2004/02/skos/core#": "skos:",
           "https://schema.org/": "schema:", "http://www.w3.org/ns/prov#": "prov:",
           "http://www.w3.org/2000/01/rdf-schema#": "rdfs:", str(AIGC): ""}
_CARD_SKIP = {RDF_TYPE, RDFS_LABEL, ALT_LABEL, DCT_DESCRIPTION, DCT_SOURCE, SKOS_IN_SCHEME}


def _prop_name(iri: str) -> str:
    for ns, prefix in _CURIES.items():
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return iri


class _Sources:
    """Source lookups of one card: a graph's file, and the URLs a subject cites in a graph."""

    def __init__(self, store: ox.Store):
        self.store = store
        self._files: dict[str, str | None] = {}
        self._urls: dict[tuple[str, str], tuple[str, ...]] = {}

    def file(self, graph: str) -> str | None:
        if graph not in self._files:
            found = next(self.store.quads_for_pattern(ox.NamedNode(graph), ox.NamedNode(DCT_IDENTIFIER), None,
                                                      ox.NamedNode(META_GRAPH)), None)
            self._files[graph] = found.object.value if found else None
        return self._files[graph]

    def urls(self, subject: str, graph: str) -> tuple[str, ...]:
        key = (subject, graph)
        if key not in self._urls:
            self._urls[key] = tuple(sorted(q.object.value for q in self.store.quads_for_pattern(
                ox.NamedNode(subject), ox.NamedNode(DCT_SOURCE), None, ox.NamedNode(graph))))
        return self._urls[key]

    def of(self, subject: str, graphs) -> tuple[Source, ...]:
        return tuple(Source(source_id(g), self.file(g), self.urls(subject, g)) for g in sorted(set(graphs)))


def resolve_entity(index: EntityIndex, name_or_iri: str) -> str:
    """Return the IRI of an entity given by IRI, exact name or alias; raise InputError with suggestions."""
    if name_or_iri in index.entities:
        return name_or_iri
    result = index.search(name_or_iri, limit=5)
    exact = [h for h in result.hits if h.score == 100]
    if len(exact) == 1 or (result.hits and len(result.hits) == 1 and result.hits[0].score >= 80):
        return (exact or result.hits)[0].entity.iri
    names = ", ".join(f"{h.entity.label} ({h.entity.cls})" for h in result.hits)
    hint = f"; did you mean: {names}" if names else "; search the explorer or `kg query sparql` for its name"
    raise InputError(f"no single entity is named {name_or_iri!r}{hint}")


def entity_card(store: ox.Store, index: EntityIndex, iri: str) -> EntityCard:
    """Read one entity: labels, class, properties, relations both ways (grouped by type), sources."""
    entity = index.entities.get(iri)
    if entity is None:
        raise InputError(f"{iri} is not an entity of the graph; search for its name instead")
    node = ox.NamedNode(iri)
    src = _Sources(store)
    labels = index.class_labels
    values: dict[tuple[str, object], list[str]] = defaultdict(list)
    card = EntityCard(iri=iri, labels={}, aliases=list(entity.aliases), cls=entity.cls,
                      class_labels=labels.get(entity.cls, {}), classes=list(entity.classes), descriptions={})
    graphs_seen: set[str] = set()
    for q in store.quads_for_pattern(node, None, None, None):
        g = q.graph_name.value
        if g in _SKIP_GRAPHS:
            continue
        graphs_seen.add(g)
        values[(q.predicate.value, q.object)].append(g)
    for (pred, obj), graphs in sorted(values.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        if pred == RDFS_LABEL and isinstance(obj, ox.Literal):
            card.labels[obj.language or ""] = obj.value
            continue
        if pred == DCT_DESCRIPTION and isinstance(obj, ox.Literal):
            card.descriptions[obj.language or ""] = obj.value
            continue
        if pred in _CARD_SKIP:
            continue
        name = _prop_name(pred)
        plabel = labels.get(name, {}).get("en", name)
        if isinstance(obj, ox.NamedNode) and obj.value in index.entities:
            fact = Fact(name, plabel, index.label(obj.value), obj.value, None, src.of(iri, graphs))
            card.outgoing.setdefault(plabel, []).append(fact)
        else:
            dtype = obj.datatype.value.rsplit("#", 1)[-1] if isinstance(obj, ox.Literal) and not obj.language else None
            card.properties.append(Fact(name, plabel, obj.value, obj.value if isinstance(obj, ox.NamedNode) else None,
                                        dtype, src.of(iri, graphs)))
    incoming: dict[tuple[str, str], list[str]] = defaultdict(list)
    for q in store.quads_for_pattern(None, None, node, None):
        g = q.graph_name.value
        if g in _SKIP_GRAPHS or not isinstance(q.subject, ox.NamedNode) or q.subject.value not in index.entities:
            continue  # report evidence (mentions) is shown with the report paragraphs
        incoming[(q.predicate.value, q.subject.value)].append(g)
    for (pred, subject), graphs in sorted(incoming.items()):
        name = _prop_name(pred)
        plabel = labels.get(name, {}).get("en", name)
        card.incoming.setdefault(plabel, []).append(
            Fact(name, plabel, index.label(subject), subject, None, src.of(subject, graphs)))
    for facts in (*card.outgoing.values(), *card.incoming.values()):
        facts.sort(key=lambda f: f.value.lower())
    card.sources = list(src.of(iri, graphs_seen))
    return card


# --------------------------------------------------------------------------------------------------
# Queries with a time limit
# --------------------------------------------------------------------------------------------------


def run_sparql_timed(store: ox.Store, query: str, *, timeout: float = 20.0, max_rows: int = 5000):
    """Run :func:`kg.query.run_sparql` with the explorer's time limit and row cap.

    Oxigraph cannot cancel a running query; it runs on in a daemon thread until it ends, and its
    result is dropped. Raises :class:`QueryError` on timeout.
    """
    from kg.query import run_sparql

    return run_sparql(store, query, max_rows=max_rows, timeout=timeout)
