"""RDF exporters: Turtle, N-Triples, N-Quads, TriG (pyoxigraph's streaming writers) and JSON-LD.

Triple formats (Turtle, N-Triples, JSON-LD without sources) hold each fact once, its graph
dropped; N-Quads and TriG keep every fact in the named graph of each source asserting it.
JSON-LD is compacted with the published context (``ontology/context.jsonld``); with
``--with-sources`` it is a dataset: one ``@graph`` per source graph.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import pyoxigraph as ox

from kg.namespaces import PREFIXES, RESOURCE


def _prefixes(ontology) -> dict[str, str]:
    """The project's namespaces plus one per kind of resource (``org:baidu``, ``model:ernie-4``)."""
    kinds = {c.segment: f"{RESOURCE}{c.segment}/" for c in ontology.classes.values()}
    return {**kinds, **PREFIXES}


def _counted(items, progress, what: str, every: int = 50_000):
    total = len(items)
    for i, item in enumerate(items, 1):
        if i % every == 0:
            progress(f"{i:,} of {total:,} {what} written")
        yield item


def _sorted_quads(selection) -> list[ox.Quad]:
    quads = list(dict.fromkeys(selection.quads))
    quads.sort(key=lambda q: (q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "",
                              str(q.subject)))
    return quads


def write_turtle(selection, out, ontology, progress) -> int:
    triples = selection.triples()
    ox.serialize(_counted(triples, progress, "triples"), out, ox.RdfFormat.TURTLE, prefixes=_prefixes(ontology))
    return len(triples)


def write_ntriples(selection, out, ontology, progress) -> int:
    triples = selection.triples()
    ox.serialize(_counted(triples, progress, "triples"), out, ox.RdfFormat.N_TRIPLES)
    return len(triples)


def write_nquads(selection, out, ontology, progress) -> int:
    quads = list(dict.fromkeys(selection.quads))
    ox.serialize(_counted(quads, progress, "quads"), out, ox.RdfFormat.N_QUADS)
    return len(quads)


def write_trig(selection, out, ontology, progress) -> int:
    quads = _sorted_quads(selection)
    ox.serialize(_counted(quads, progress, "quads"), out, ox.RdfFormat.TRIG, prefixes=_prefixes(ontology))
    return len(quads)


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """Return the published JSON-LD context (the ``@context`` object of ontology/context.jsonld)."""
    path = resources.files("kg.ontology_files") / "context.jsonld"
    return json.loads(path.read_text(encoding="utf-8"))["@context"]


def write_jsonld(selection, out, ontology, progress) -> int:
    import rdflib

    from kg.store import to_rdflib

    dataset = selection.with_sources
    progress("building the JSON-LD document")
    if dataset:
        graph = rdflib.Dataset()
        for q in selection.quads:
            graph.graph(rdflib.URIRef(q.graph_name.value)).add(
                (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        count = len(set(selection.quads))
    else:
        graph = rdflib.Graph()
        for t in selection.triples():
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        count = len(graph)
    text = graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
    out.write(text.encode("utf-8"))
    return count
