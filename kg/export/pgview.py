"""The selection as property-graph rows (kg.pgmap's mapping) for the graph-shaped exporters.

Each node: its IRI, labels, most specific class and properties (``label``, ``label_zh``,
``label_en``, ``aliases``, typed values, ``sources``); each relationship: start, type, end and
``sources``. GraphML, GEXF, CSV, Cypher and HTML all write these, so they agree with what
``kg sync`` puts in Neo4j.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kg.export.select import Selection, node_class
from kg.ontology import Ontology, load_ontology
from kg.pgmap import PGRel


@dataclass
class PGView:
    """Nodes and relationships of a selection, in a stable order."""

    nodes: list  # PGNode, sorted by uri
    rels: list[PGRel]
    classes: dict[str, str]  # uri -> most specific class


def property_graph_view(selection: Selection, ontology: Ontology | None = None) -> PGView:
    """Return the selection's nodes (with their class) and relationships."""
    ontology = ontology or load_ontology()
    pg = selection.property_graph(ontology)
    nodes = [pg.nodes[u] for u in sorted(pg.nodes)]
    rels = [r for n in nodes for r in n.rels]
    return PGView(nodes, rels, {n.uri: node_class(n.labels, ontology) for n in nodes})


def value_type(value) -> str:
    """Name the type of a property value: long, double, boolean, date or string (lists: of their items)."""
    if isinstance(value, list):
        kinds = {value_type(v) for v in value}
        return kinds.pop() if len(kinds) == 1 else "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, dt.date):
        return "date"
    return "string"


def key_types(rows) -> dict[str, str]:
    """One type per property name over many rows (mixed types fall back to string)."""
    types: dict[str, str] = {}
    for props in rows:
        for k, v in props.items():
            t = value_type(v)
            types[k] = t if types.get(k, t) == t else "string"
    return types


def text(value, delimiter: str = "|") -> str:
    """A value as text: dates in ISO form, booleans lowercase, lists joined with ``delimiter``."""
    if isinstance(value, list):
        return delimiter.join(text(v, delimiter) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def flat_node(node, cls: str) -> dict:
    """A node's attributes for GraphML/GEXF: lists joined, dates as text, plus class and labels."""
    props = {k: v for k, v in node.props.items()}
    props["class"] = cls
    props["labels"] = ":".join(node.labels)
    return props


def flat_rel(rel: PGRel) -> dict:
    """A relationship's attributes for GraphML/GEXF."""
    return {"relationship": rel.type, "sources": list(rel.sources)}
