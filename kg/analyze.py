"""Graph analysis with networkx: centrality, communities, paths explained in words, ecosystem summaries.

The graph comes from the embedded store, a selection or Neo4j, always through the property-graph
mapping of ``kg.pgmap`` (what ``kg sync`` writes), so every result is the same whichever it is
read from. Provenance links (``dcterms:source`` -> a document) are left out unless asked for:
they would make every cited report a hub.

>>> camel("DEVELOPED_BY"), camel("HAS_MODALITY"), camel("PART_OF")
('developedBy', 'hasModality', 'partOf')
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import islice

import networkx as nx
import pyoxigraph as ox

from kg.charts import summary_chart
from kg.errors import InputError, ServiceError
from kg.ontology import Ontology, load_ontology
from kg.pgmap import MappedGraph, map_graph
from kg.query import QueryResult

__all__ = ["MEASURES", "SUMMARIES", "Hop", "PathExplanation", "Table", "camel", "centrality", "communities",
           "communities_table", "ecosystem_summary", "explain_paths", "pagerank", "summary_chart", "to_networkx"]

MEASURES = ("degree", "pagerank", "betweenness")
SUMMARIES = ("layer-industry", "region", "models-per-year", "funding-by-year-layer", "policy-timeline")
SOURCE_REL = "SOURCE"
_BETWEENNESS_SAMPLE = 300  # pivots for betweenness on graphs above 500 nodes (seeded: stable results)


def camel(rel_type: str) -> str:
    """Turn a relationship type back into the property's name (``DEVELOPED_BY`` -> ``developedBy``)."""
    head, *rest = rel_type.lower().split("_")
    return head + "".join(w.title() for w in rest)


@dataclass
class Table(QueryResult):
    """A result table (plain values) that ``kg.query.format_result`` renders, plus how to chart it."""

    kind: str = "table"
    name: str = ""
    chart: dict = field(default_factory=dict)  # {"x": column, "series": column or None, "value": column or None}


# ----------------------------------------------------------------------------- the graph


def to_networkx(source, *, ontology: Ontology | None = None, include_sources: bool = False) -> nx.MultiDiGraph:
    """Return the graph as a MultiDiGraph: node = IRI with its properties, ``class`` and ``labels``;
    edge key = relationship type, with ``predicate`` (the property's name) and ``sources``.

    ``source`` is a pyoxigraph Store, a :class:`kg.export.Selection`, a MappedGraph or
    Neo4jSettings (then the graph is read from Neo4j).
    """
    from kg.export.select import Selection, node_class
    from kg.neo4j_client import Neo4jSettings

    ontology = ontology or load_ontology()
    if isinstance(source, Neo4jSettings):
        nodes, rels = _read_neo4j(source)
    else:
        if isinstance(source, ox.Store):
            pg = map_graph(source, ontology)
        elif isinstance(source, Selection):
            pg = source.property_graph(ontology)
        elif isinstance(source, MappedGraph):
            pg = source
        else:
            raise TypeError(f"cannot make a graph of {type(source).__name__}")
        nodes = [(n.uri, n.labels, n.props) for n in pg.nodes.values()]
        rels = [(r.start, r.type, r.end, list(r.sources)) for n in pg.nodes.values() for r in n.rels]
    G = nx.MultiDiGraph()
    for uri, labels, props in sorted(nodes, key=lambda n: n[0]):
        G.add_node(uri, **props, labels=sorted(labels), **{"class": node_class(labels, ontology)})
    for start, rtype, end, sources in sorted(rels, key=lambda r: (r[0], r[1], r[2])):
        if rtype == SOURCE_REL and not include_sources:
            continue
        if start in G and end in G:
            G.add_edge(start, end, key=rtype, type=rtype, predicate=camel(rtype), sources=sorted(sources or []))
    return G


def _read_neo4j(settings) -> tuple[list, list]:
    from kg.neo4j_client import connect, run_read
    from kg.sync import _plain

    with connect(settings) as driver:
        nodes = run_read(driver, settings, "MATCH (n:Resource) RETURN n.uri AS uri, labels(n) AS labels, "
                                           "properties(n) AS props")
        rels = run_read(driver, settings, "MATCH (a:Resource)-[r]->(b:Resource) RETURN a.uri AS a, "
                                          "type(r) AS t, b.uri AS b, r.sources AS s")
    if not nodes:
        raise ServiceError(f"Neo4j at {settings.uri} holds no kg nodes; run `kg sync` first")
    return ([(r["uri"], r["labels"], {k: _plain(v) for k, v in r["props"].items() if k != "syncHash"})
             for r in nodes],
            [(r["a"], r["t"], r["b"], r["s"]) for r in rels])


def _name(G, n) -> str:
    d = G.nodes[n]
    return str(d.get("label") or d.get("id") or n)


# ----------------------------------------------------------------------------- centrality, communities


def centrality(G: nx.MultiDiGraph, measure: str = "degree", *, by_class: bool = True, top: int = 10,
               seed: int = 42) -> Table:
    """Rank nodes by ``degree``, ``pagerank`` (directed) or ``betweenness``, the top N per class (or overall).

    Degree and betweenness count a pair of nodes joined by several relationships once; on graphs
    of more than 500 nodes betweenness is estimated from 300 seeded pivots (the same every run).
    """
    if measure not in MEASURES:
        raise InputError(f"unknown centrality measure {measure!r}; choose one of {', '.join(MEASURES)}")
    if top < 1:
        raise InputError(f"top must be 1 or more, got {top}")
    simple = nx.Graph(G)
    if measure == "degree":
        scores = nx.degree_centrality(simple) if len(simple) > 1 else {n: 0.0 for n in simple}
    elif measure == "pagerank":
        scores = pagerank(nx.DiGraph(G))
    else:
        k = _BETWEENNESS_SAMPLE if len(simple) > 500 else None
        scores = nx.betweenness_centrality(simple, k=k, seed=seed)
    groups: dict[str, list] = defaultdict(list)
    for n, score in scores.items():
        groups[G.nodes[n]["class"] if by_class else "(all)"].append((round(score, 6), n))
    table = Table(variables=["class", "rank", "id", "name", measure], name=f"centrality-{measure}",
                  chart={"x": "name", "series": "class", "value": measure})
    for cls in sorted(groups):
        ranked = sorted(groups[cls], key=lambda t: (-t[0], t[1]))[:top]
        for rank, (score, n) in enumerate(ranked, 1):
            table.rows.append([cls, rank, G.nodes[n].get("id", n), _name(G, n), score])
    return table


def pagerank(D: nx.DiGraph, alpha: float = 0.85, tol: float = 1.0e-10, max_iter: int = 200) -> dict:
    """PageRank by power iteration (networkx's own needs SciPy); dangling nodes spread evenly."""
    n = len(D)
    if not n:
        return {}
    rank = dict.fromkeys(D, 1.0 / n)
    out_degree = dict(D.out_degree())
    for _ in range(max_iter):
        dangling = alpha * sum(rank[u] for u in D if out_degree[u] == 0) / n
        new = dict.fromkeys(D, (1.0 - alpha) / n + dangling)
        for u in D:
            if out_degree[u]:
                share = alpha * rank[u] / out_degree[u]
                for v in D.successors(u):
                    new[v] += share
        if sum(abs(new[u] - rank[u]) for u in D) < n * tol:
            return new
        rank = new
    return rank


def communities(G: nx.MultiDiGraph, *, seed: int = 42, resolution: float = 1.0) -> list[list[str]]:
    """Split the graph into communities (Louvain, seeded: the same split every run), largest first.

    Each community lists its members by degree, highest first.
    """
    simple = nx.Graph(G)
    if not len(simple):
        return []
    parts = nx.community.louvain_communities(simple, seed=seed, resolution=resolution)
    out = [sorted(p, key=lambda n: (-simple.degree(n), n)) for p in parts]
    return sorted(out, key=lambda members: (-len(members), members[0]))


def communities_table(G: nx.MultiDiGraph, parts: list[list[str]], *, top: int = 5) -> Table:
    """Tabulate communities: size, the most common classes, the best-connected members."""
    table = Table(variables=["community", "size", "classes", "members"], name="communities",
                  chart={"x": "community", "series": None, "value": "size"})
    for i, members in enumerate(parts, 1):
        classes = Counter(G.nodes[n]["class"] for n in members).most_common(3)
        table.rows.append([i, len(members), ", ".join(f"{c} {k}" for c, k in classes),
                           ", ".join(_name(G, n) for n in members[:top])])
    return table


# ----------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Hop:
    """One step of a path: ``start —predicate→ end`` when ``forward``, else ``start ←predicate— end``."""

    start: str
    predicate: str
    end: str
    forward: bool


@dataclass
class PathExplanation:
    """A path between two entities, hop by hop, and the same in words."""

    nodes: list[str]
    hops: list[Hop]
    text: str

    def __len__(self) -> int:
        return len(self.hops)


def _hop(G, u, v) -> tuple[str, bool]:
    out = sorted(k for k in G.get_edge_data(u, v, default={}))
    if out:
        return "/".join(camel(k) for k in out), True
    back = sorted(k for k in G.get_edge_data(v, u, default={}))
    return "/".join(camel(k) for k in back), False


def explain_paths(store, a: str, b: str, k: int = 1, *, graph: nx.MultiDiGraph | None = None,
                  ontology: Ontology | None = None, max_hops: int | None = None) -> list[PathExplanation]:
    """Return the ``k`` shortest paths between ``a`` and ``b`` (names, ids or IRIs), each hop in words
    ("DeepSeek-V3 —developedBy→ DeepSeek —headquarteredIn→ Hangzhou").

    Relationships are walked both ways (the words say which way each one points). An empty list
    means the two are not connected. ``store`` resolves the names; ``graph`` (default: the whole
    store's graph) is searched.
    """
    from kg.export.select import resolve_seed

    if k < 1:
        raise InputError(f"k must be 1 or more, got {k}")
    ontology = ontology or load_ontology()
    ia, ib = resolve_seed(store, a, ontology), resolve_seed(store, b, ontology)
    if ia == ib:
        raise InputError(f"{a!r} and {b!r} are the same entity; name two different ones")
    G = graph if graph is not None else to_networkx(store, ontology=ontology)
    for iri, text in ((ia, a), (ib, b)):
        if iri not in G:
            raise InputError(f"{text!r} is not in the graph searched; widen the selection")
    simple = nx.Graph(G)
    out = []
    try:
        for path in islice(nx.shortest_simple_paths(simple, ia, ib), k):
            if max_hops is not None and len(path) - 1 > max_hops:
                break
            hops, words = [], [_name(G, path[0])]
            for u, v in zip(path, path[1:]):
                pred, forward = _hop(G, u, v)
                hops.append(Hop(u, pred, v, forward))
                words.append(f"—{pred}→ {_name(G, v)}" if forward else f"←{pred}— {_name(G, v)}")
            out.append(PathExplanation(path, hops, " ".join(words)))
    except nx.NetworkXNoPath:
        return []
    return out


# ----------------------------------------------------------------------------- ecosystem summaries


def _out(G, n, rtype) -> list[str]:
    return sorted(v for _, v, key in G.out_edges(n, keys=True) if key == rtype)


def _has(G, n, label) -> bool:
    return label in G.nodes[n].get("labels", ())


def _year(value) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return text[:4] if re.match(r"\d{4}", text) else "(unknown)"


def _first(value):
    return value[0] if isinstance(value, list) else value


def _country(G, region: str) -> str:
    seen = {region}
    while parents := [p for p in _out(G, region, "PART_OF") if p not in seen]:
        region = parents[0]
        seen.add(region)
    return region


def ecosystem_summary(source, name: str, *, ontology: Ontology | None = None) -> Table:
    """Summarise the ecosystem as a table: one of :data:`SUMMARIES`.

    - ``layer-industry``: organisations, models and applications per industry layer × industry;
    - ``region``: organisations per headquarters region (with its country), their models and apps;
    - ``models-per-year``: models per release year × modality × open-weights status;
    - ``funding-by-year-layer``: funding rounds and their total amount per year × the investee's
      layer × currency (a round whose investee is in two layers counts in both);
    - ``policy-timeline``: every policy by date, with issuer, jurisdiction and status.

    ``source`` is what :func:`to_networkx` takes, or a graph it made.
    """
    if name not in SUMMARIES:
        raise InputError(f"unknown summary {name!r}; choose one of {', '.join(SUMMARIES)}")
    G = source if isinstance(source, nx.MultiDiGraph) else to_networkx(source, ontology=ontology)
    return {"layer-industry": _layer_industry, "region": _region, "models-per-year": _models_per_year,
            "funding-by-year-layer": _funding, "policy-timeline": _policies}[name](G)


def _layer_industry(G) -> Table:
    counts: Counter = Counter()
    kinds = (("Organization", 0), ("Model", 1), ("Application", 2))
    for n in G:
        kind = next((i for label, i in kinds if _has(G, n, label)), None)
        if kind is None:
            continue
        for layer in [_name(G, x) for x in _out(G, n, "IN_LAYER")] or ["(none)"]:
            for industry in [_name(G, x) for x in _out(G, n, "SERVES_INDUSTRY")] or ["(none)"]:
                counts[(layer, industry, kind)] += 1
    table = Table(variables=["layer", "industry", "organizations", "models", "applications", "total"],
                  name="layer-industry", chart={"x": "layer", "series": "industry", "value": "total"})
    for layer, industry in sorted({(lay, ind) for lay, ind, _ in counts}):
        row = [counts[(layer, industry, i)] for i in range(3)]
        table.rows.append([layer, industry, *row, sum(row)])
    return table


def _region(G) -> Table:
    stats: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    made: Counter = Counter()
    provided: Counter = Counter()
    for n in G:
        if _has(G, n, "Model"):
            for org in _out(G, n, "DEVELOPED_BY"):
                made[org] += 1
        if _has(G, n, "Application"):
            for org in _out(G, n, "PROVIDED_BY"):
                provided[org] += 1
    for n in G:
        if not _has(G, n, "Organization"):
            continue
        for region in _out(G, n, "HEADQUARTERED_IN") or [None]:
            key = (_name(G, _country(G, region)), _name(G, region)) if region else ("(unknown)", "(unknown)")
            s = stats[key]
            s[0] += 1
            s[1] += made[n]
            s[2] += provided[n]
    table = Table(variables=["country", "region", "organizations", "models", "applications"], name="region",
                  chart={"x": "country", "series": None, "value": "organizations"})
    for (country, region), s in sorted(stats.items(), key=lambda kv: (-kv[1][0], kv[0])):
        table.rows.append([country, region, *s])
    return table


def _models_per_year(G) -> Table:
    counts: Counter = Counter()
    for n in G:
        if not _has(G, n, "Model"):
            continue
        d = G.nodes[n]
        year = _year(_first(d.get("releaseDate")))
        open_weights = {True: "open", False: "closed"}.get(d.get("openWeights"), "unknown")
        for modality in [_name(G, m) for m in _out(G, n, "HAS_MODALITY")] or ["(none)"]:
            counts[(year, modality, open_weights)] += 1
    table = Table(variables=["year", "modality", "weights", "models"], name="models-per-year",
                  chart={"x": "year", "series": "weights", "value": "models"})
    table.rows = [[*key, n] for key, n in sorted(counts.items())]
    return table


def _funding(G) -> Table:
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0, 0])
    for n in G:
        if not _has(G, n, "FundingEvent"):
            continue
        d = G.nodes[n]
        year = _year(_first(d.get("date")))
        amount = d.get("amount")
        currency = d.get("currency") or ("(unknown)" if amount is None else "(no currency)")
        layers = sorted({_name(G, lay) for org in _out(G, n, "INVESTEE") for lay in _out(G, org, "IN_LAYER")})
        for layer in layers or ["(none)"]:
            s = sums[(year, layer, currency)]
            s[0] += 1
            if amount is not None:
                s[1] += float(_first(amount))
                s[2] += 1
    table = Table(variables=["year", "layer", "currency", "rounds", "total_amount", "rounds_with_amount"],
                  name="funding-by-year-layer", chart={"x": "year", "series": "layer", "value": "total_amount"})
    for key, (rounds, total, known) in sorted(sums.items()):
        table.rows.append([*key, rounds, round(total, 2), known])
    return table


def _policies(G) -> Table:
    table = Table(variables=["date", "year", "policy", "policy_zh", "issued_by", "jurisdiction", "status"],
                  name="policy-timeline", chart={"x": "year", "series": "jurisdiction", "value": None})
    rows = []
    for n in G:
        if not _has(G, n, "Policy"):
            continue
        d = G.nodes[n]
        date = _first(d.get("issuedDate") or d.get("effectiveDate"))
        date = date.isoformat() if hasattr(date, "isoformat") else str(date or "")
        rows.append([date, _year(date), str(d.get("label_en") or d.get("label") or d.get("id")),
                     str(d.get("label_zh") or ""), ", ".join(_name(G, o) for o in _out(G, n, "ISSUED_BY")),
                     ", ".join(_name(G, r) for r in _out(G, n, "JURISDICTION")), str(_first(d.get("status")) or "")])
    table.rows = sorted(rows, key=lambda r: (r[0] or "9999", r[2]))
    return table
