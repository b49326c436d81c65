"""GEXF 1.2 exporter (Gephi's own format): typed attributes, node labels, written as a stream.

The node's display name is its ``label``; every property is an attribute (``long``, ``double``,
``boolean``, ``string``; lists are ``liststring`` joined with ``|``), ``label_zh`` and
``label_en`` included. Edges carry their relationship type as label and attribute.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from kg.export.pgview import flat_node, flat_rel, key_types, property_graph_view, text

_GEXF_TYPES = {"long": "long", "double": "double", "boolean": "boolean"}


def _attributes(rows) -> dict[str, tuple[str, str]]:
    types = key_types(rows)
    lists = {k for r in rows for k, v in r.items() if isinstance(v, list)}
    out = {}
    for i, (name, t) in enumerate(sorted(types.items())):
        kind = "liststring" if name in lists else _GEXF_TYPES.get(t, "string")
        out[name] = (str(i), kind)
    return out


def _attvalues(row: dict, attrs) -> str:
    vals = "".join(f'<attvalue for="{attrs[k][0]}" value={quoteattr(text(v))}/>' for k, v in sorted(row.items()))
    return f"<attvalues>{vals}</attvalues>"


def write_gexf(selection, out, ontology, progress) -> int:
    view = property_graph_view(selection, ontology)
    node_rows = [{k: v for k, v in flat_node(n, view.classes[n.uri]).items() if k != "label"} for n in view.nodes]
    rel_rows = [flat_rel(r) for r in view.rels]
    nattrs, eattrs = _attributes(node_rows), _attributes(rel_rows)
    w = out.write
    w(b'<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
      b'  <meta><creator>aigc-kg (kg export)</creator></meta>\n'
      b'  <graph mode="static" defaultedgetype="directed">\n')
    for cls, attrs in (("node", nattrs), ("edge", eattrs)):
        w(f'    <attributes class="{cls}" mode="static">\n'.encode())
        for name, (aid, kind) in attrs.items():
            w(f'      <attribute id="{aid}" title={quoteattr(name)} type="{kind}"/>\n'.encode())
        w(b"    </attributes>\n")
    w(b"    <nodes>\n")
    for i, (node, row) in enumerate(zip(view.nodes, node_rows), 1):
        label = node.props.get("label") or node.props["id"]
        w(f"      <node id={quoteattr(node.uri)} label={quoteattr(str(label))}>{_attvalues(row, nattrs)}</node>\n".encode())
        if i % 20_000 == 0:
            progress(f"{i:,} of {len(view.nodes):,} nodes written")
    w(b"    </nodes>\n    <edges>\n")
    for i, (rel, row) in enumerate(zip(view.rels, rel_rows)):
        w(f'      <edge id="{i}" source={quoteattr(rel.start)} target={quoteattr(rel.end)} '
          f'label={quoteattr(rel.type)}>{_attvalues(row, eattrs)}</edge>\n'.encode())
    w(b"    </edges>\n  </graph>\n</gexf>\n")
    return len(selection.quads)

