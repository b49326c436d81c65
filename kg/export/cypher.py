"""Cypher script exporter: statements that recreate the subgraph in an empty Neo4j.

One statement per line, each ending with ``;`` (cypher-shell runs the file as it is:
``cypher-shell -f subgraph.cypher``): the ``uri`` uniqueness constraint ``kg sync`` also
creates, then nodes in batches (``UNWIND [...] AS row CREATE (n:$(row.labels)) SET n = row.props``),
then relationships. Labels and types are dynamic (``$(...)``), which needs Neo4j 5.26 or later,
as ``kg sync`` does. Values are written as Cypher literals (strings escaped, dates as
``date('2023-06-30')``), never spliced from unchecked text.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from itertools import islice

from kg.export.pgview import property_graph_view

BATCH = 500
CONSTRAINT = "CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE;"


def literal(value) -> str:
    r"""Write a value as a Cypher literal.

    >>> literal(["O'Neil", 2.5, True, __import__("datetime").date(2023, 6, 30)])
    "['O\\'Neil', 2.5, true, date('2023-06-30')]"
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return {"nan": "0.0/0.0", "inf": "1.0/0.0", "-inf": "-1.0/0.0"}[repr(value)]
        return repr(value)
    if isinstance(value, dt.date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{name(k)}: {literal(v)}" for k, v in value.items()) + "}"
    # JSON escapes cover quotes, backslashes and control characters; Cypher reads them the same way
    # inside single quotes once single quotes are escaped too.
    body = json.dumps(str(value), ensure_ascii=False)[1:-1].replace("\\\"", "\"").replace("'", "\\'")
    return f"'{body}'"


def name(identifier: str) -> str:
    """Quote a label, relationship type or property key with backticks."""
    return "`" + identifier.replace("`", "``") + "`"


def _chunks(items, size):
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def write_cypher(selection, out, ontology, progress) -> int:
    view = property_graph_view(selection, ontology)
    w = out.write
    w(b"// kg export: recreates the subgraph; run on an empty database (cypher-shell -f FILE)\n")
    w((CONSTRAINT + "\n").encode())
    # Labels and types are data here ($(...), Neo4j 5.26+, as kg sync writes them): every batch has
    # the same shape, so the server plans the statement once, not once per label set.
    for chunk in _chunks(view.nodes, BATCH):
        rows = [{"labels": n.labels, "props": n.props} for n in chunk]
        w(f"UNWIND {literal(rows)} AS row CREATE (n:$(row.labels)) SET n = row.props;\n".encode("utf-8"))
    progress(f"{len(view.nodes):,} nodes written")
    for chunk in _chunks(view.rels, BATCH):
        rows = [[r.start, r.type, r.end, list(r.sources)] for r in chunk]
        w(f"UNWIND {literal(rows)} AS r MATCH (a:Resource {{uri: r[0]}}) MATCH (b:Resource {{uri: r[2]}}) "
          f"CREATE (a)-[x:$(r[1])]->(b) SET x.sources = r[3];\n".encode("utf-8"))
    return len(selection.quads)
