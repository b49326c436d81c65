"""Rebuild RDF facts from Neo4j nodes (the reverse of ``kg.pgmap``), for Cypher selections without a store.

The mapping is reversed with the ontology: the most specific class label -> ``rdf:type``;
``label_zh``/``label_en`` -> ``rdfs:label`` with its language; ``aliases`` -> ``skos:altLabel``;
``sourceUrls`` -> ``dcterms:source``; a property of the ontology -> a literal of its range
(a partial date by its shape: 2023, 2023-06, 2023-06-30); a relationship -> the object property
whose UPPER_SNAKE_CASE name it has. Neo4j keeps the source graphs per node and per relationship,
not per property: a node's facts are put in each graph of its ``sources``.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from kg.namespaces import DCTERMS, GRAPH, SKOS
from kg.ontology import BOOLEAN, DATE, DECIMAL, DOUBLE, INTEGER, PARTIAL_DATE, load_ontology
from kg.pgmap import upper_snake

XSD = "http://www.w3.org/2001/XMLSchema#"
_SKIP = {"uri", "id", "label", "sources", "syncHash"}
READ_NODES = """UNWIND $uris AS uri MATCH (n:Resource {uri: uri})
RETURN n.uri AS uri, labels(n) AS labels, properties(n) AS props,
       [(n)-[r]->(b:Resource) WHERE b.uri IN $uris | [type(r), b.uri, r.sources]] AS rels"""


def _partial_date(text: str) -> ox.Literal:
    kind = {4: "gYear", 7: "gYearMonth"}.get(len(text), "date")
    return ox.Literal(text, datatype=ox.NamedNode(XSD + kind))


def _literal(value, rng: str | None) -> ox.Literal:
    if hasattr(value, "iso_format"):
        value = value.iso_format()
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(BOOLEAN))
    if rng == PARTIAL_DATE and isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return _partial_date(value)
    if rng in (INTEGER, DECIMAL, DOUBLE, DATE) or (rng and rng.startswith(XSD) and rng != XSD + "string"):
        if rng == DECIMAL and isinstance(value, float):
            value = repr(value).rstrip("0").rstrip(".") if "e" not in repr(value) else repr(value)
        return ox.Literal(str(value), datatype=ox.NamedNode(rng))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(INTEGER))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(DOUBLE))
    return ox.Literal(str(value))


def quads_from_neo4j(settings, uris: list[str], *, with_sources: bool = False, ontology=None) -> list[ox.Quad]:
    """Read nodes (and the relationships among them) from Neo4j and return them as quads."""
    from kg.neo4j_client import connect, run_read

    ontology = ontology or load_ontology()
    props = {p.name: p for p in ontology.properties.values()}
    rel_pred = {upper_snake(p.name): p.iri for p in ontology.properties.values() if p.is_object}
    rel_pred["SOURCE"] = str(DCTERMS.source)
    with connect(settings) as driver:
        rows = run_read(driver, settings, READ_NODES, uris=list(uris))
    out: list[ox.Quad] = []
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for row in rows:
        s = ox.NamedNode(row["uri"])
        p = row["props"]
        graphs = [ox.NamedNode(GRAPH + g) for g in (p.get("sources") or ["query"])]
        facts: list[tuple[ox.NamedNode, object]] = []
        classes = [ontology.classes[label] for label in row["labels"] if label in ontology.classes]
        if classes:
            top = max(classes, key=lambda c: len(c.ancestors))
            facts.append((rdf_type, ox.NamedNode(top.iri)))
        for name, value in p.items():
            if name in _SKIP:
                continue
            values = value if isinstance(value, list) else [value]
            if name == "aliases":
                facts += [(ox.NamedNode(str(SKOS.altLabel)), ox.Literal(v)) for v in values]
            elif name == "sourceUrls":
                if with_sources:
                    facts += [(ox.NamedNode(str(DCTERMS.source)), ox.NamedNode(v)) for v in values]
            elif re.fullmatch(r".+_[a-z]{2}(-[A-Za-z]+)?", name):
                base, lang = name.rsplit("_", 1)
                pred = "http://www.w3.org/2000/01/rdf-schema#label" if base == "label" else (
                    props[base].iri if base in props else str(DCTERMS[base]))
                facts += [(ox.NamedNode(pred), ox.Literal(v, language=lang)) for v in values]
            else:
                info = props.get(name)
                pred = info.iri if info else str(DCTERMS[name])
                facts += [(ox.NamedNode(pred), _literal(v, info.range if info else None)) for v in values]
        out += [ox.Quad(s, pred, obj, g) for pred, obj in facts for g in graphs]
        for rtype, end, sources in row["rels"]:
            pred = rel_pred.get(rtype)
            if pred is None or (rtype == "SOURCE" and not with_sources):
                continue
            out += [ox.Quad(s, ox.NamedNode(pred), ox.NamedNode(end), ox.NamedNode(GRAPH + g))
                    for g in (sources or ["query"])]
    return out
