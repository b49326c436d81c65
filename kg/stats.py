"""Counts of a built graph: entities per class (subclasses included), facts per property."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespaces import META_GRAPH, ONTOLOGY_GRAPH, PREFIXES, source_id, sparql_prefixes
from kg.ontology import Ontology


@dataclass
class GraphStats:
    """Counts of one graph."""

    quads: int = 0
    triples: int = 0  # distinct triples over all data graphs (a fact in two sources counts once)
    graphs: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class local name -> entities
    relations: dict[str, int] = field(default_factory=dict)  # property CURIE -> triples
    imports: dict[str, dict[str, int]] = field(default_factory=dict)  # imported graph id -> figures

    def as_dict(self) -> dict:
        """Return the counts as plain data (for JSON)."""
        return {"quads": self.quads, "triples": self.triples, "graphs": self.graphs,
                "classes": self.classes, "relations": self.relations, "imports": self.imports}


# the figures an importer records for its graph (kg.build writes them; see kg.ingest.resolve)
IMPORT_FIGURES = ("rowsRead", "recordsMerged", "recordsCreated", "rowsUnresolved", "referencesResolved",
                  "referencesUnresolved", "relatedCreated")
_EXCLUDE = f"FILTER(?g != <{ONTOLOGY_GRAPH}> && ?g != <{META_GRAPH}>)"


def graph_stats(store: ox.Store, ontology: Ontology) -> GraphStats:
    """Count the data graphs of ``store`` (the ontology and metadata graphs are left out)."""
    stats = GraphStats(quads=len(store))
    q = sparql_prefixes()
    stats.graphs = sum(1 for g in store.named_graphs() if g.value not in (ONTOLOGY_GRAPH, META_GRAPH))
    for row in store.query(q + f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE "
                               f"{{ GRAPH ?g {{ ?s ?p ?o }} {_EXCLUDE} }} }}"):
        stats.triples = int(row["n"].value)
    direct: dict[str, set] = {}
    for row in store.query(q + f"SELECT DISTINCT ?s ?c WHERE {{ GRAPH ?g {{ ?s a ?c }} {_EXCLUDE} }}"):
        direct.setdefault(row["c"].value, set()).add(row["s"].value)
    for cls in ontology.classes.values():
        members: set = set()
        for iri, subjects in direct.items():
            sub = ontology.class_by_iri(iri)
            if sub is not None and cls.iri in sub.ancestors:
                members |= subjects
        if members:
            stats.classes[cls.name] = len(members)
    for row in store.query(q + f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE "
                               f"{{ GRAPH ?g {{ ?s ?p ?o }} {_EXCLUDE} }} }} GROUP BY ?p ORDER BY DESC(?n)"):
        stats.relations[_curie(row["p"].value)] = int(row["n"].value)
    for row in store.query(q + f"SELECT ?g ?p ?n WHERE {{ GRAPH <{META_GRAPH}> {{ ?g ?p ?n "
                               f"VALUES ?p {{ {' '.join('aigc:' + f for f in IMPORT_FIGURES)} }} }} }}"):
        stats.imports.setdefault(source_id(row["g"].value), {})[row["p"].value.rsplit("#", 1)[-1]] = int(row["n"].value)
    return stats


def _curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def format_stats(stats: GraphStats) -> str:
    """Render counts as the aligned text ``kg build`` and ``kg stats`` print."""
    lines = [f"{stats.triples} triples ({stats.quads} quads with the ontology) in {stats.graphs} source graph(s)",
             "", "class                  entities"]
    lines += [f"  {name:<20} {count:>8}" for name, count in sorted(stats.classes.items())]
    lines += ["", "property               facts"]
    lines += [f"  {name:<20} {count:>8}" for name, count in stats.relations.items()]
    if stats.imports:
        lines += ["", "imported dataset            rows   merged  created unresolved  refs ok  refs unresolved  related created"]
        for graph, f in sorted(stats.imports.items()):
            lines.append(f"  {graph:<24} {f.get('rowsRead', 0):>6} {f.get('recordsMerged', 0):>8} "
                         f"{f.get('recordsCreated', 0):>8} {f.get('rowsUnresolved', 0):>10} "
                         f"{f.get('referencesResolved', 0):>8} {f.get('referencesUnresolved', 0):>16} "
                         f"{f.get('relatedCreated', 0):>16}")
    return "\n".join(lines)
