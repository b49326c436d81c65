"""GraphML exporter: typed keys (long, double, boolean, string), written as a stream.

Lists (aliases, sources) are one string joined with ``|``; dates are ISO text; ``label_zh`` and
``label_en`` keep both names. Gephi, yEd and ``networkx.read_graphml`` open the file.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from kg.export.pgview import flat_node, flat_rel, key_types, property_graph_view, text

_GRAPHML_TYPES = {"long": "long", "double": "double", "boolean": "boolean"}


def _keys(rows, prefix: str) -> dict[str, tuple[str, str]]:
    types = key_types(rows)
    return {name: (f"{prefix}{i}", _GRAPHML_TYPES.get(t, "string")) for i, (name, t) in enumerate(sorted(types.items()))}


def write_graphml(selection, out, ontology, progress) -> int:
    view = property_graph_view(selection, ontology)
    node_rows = [flat_node(n, view.classes[n.uri]) for n in view.nodes]
    rel_rows = [flat_rel(r) for r in view.rels]
    nkeys, ekeys = _keys(node_rows, "n"), _keys(rel_rows, "e")
    w = out.write
    w(b'<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
      b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
      b'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for scope, keys in (("node", nkeys), ("edge", ekeys)):
        for name, (kid, t) in keys.items():
            w(f'  <key id="{kid}" for="{scope}" attr.name={quoteattr(name)} attr.type="{t}"/>\n'.encode())
    w(b'  <graph edgedefault="directed">\n')
    for i, (node, row) in enumerate(zip(view.nodes, node_rows), 1):
        parts = [f'    <node id={quoteattr(node.uri)}>']
        parts += [f'<data key="{nkeys[k][0]}">{escape(text(v))}</data>' for k, v in sorted(row.items())]
        w(("".join(parts) + "</node>\n").encode("utf-8"))
        if i % 20_000 == 0:
            progress(f"{i:,} of {len(view.nodes):,} nodes written")
    for i, (rel, row) in enumerate(zip(view.rels, rel_rows)):
        parts = [f'    <edge id="e{i}" source={quoteattr(rel.start)} target={quoteattr(rel.end)}>']
        parts += [f'<data key="{ekeys[k][0]}">{escape(text(v))}</data>' for k, v in sorted(row.items())]
        w(("".join(parts) + "</edge>\n").encode("utf-8"))
    w(b"  </graph>\n</graphml>\n")
    return len(selection.quads)
