"""Standalone HTML exporter: an interactive graph (pyvis, vis-network inlined: no network needed).

Nodes are coloured by class and sized by degree; hovering shows the Chinese and English names,
the class and the IRI; edges show their relationship type.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape

from kg.export.pgview import property_graph_view

# One colour per top-level kind of thing (Tableau 10).
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]


_EXTERNAL = re.compile(r'<(script|link)\b[^>]*?(?:src|href)="(?:https?:|\.\./)[^"]*"[^>]*>(?:\s*</script>)?', re.S)


def class_colour(cls: str, classes: list[str]) -> str:
    """Return the colour of a class (stable for a given sorted list of classes)."""
    return PALETTE[classes.index(cls) % len(PALETTE)] if cls in classes else PALETTE[-1]


def text_titles(titles: list[str]) -> list[str]:
    """Make node tooltips show as text in pyvis's page (the explorer's graph view uses it too).

    vis-network shows a string tooltip as text, but pyvis's template switches to an innerHTML popup
    when any title contains "href": then every title is escaped.
    """
    return [escape(t) for t in titles] if any("href" in t.lower() for t in titles) else list(titles)


def render_html(view, title: str = "kg export", height: str = "750px") -> str:
    """Return the HTML page of a property-graph view (also used by the explorer)."""
    from pyvis.network import Network

    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line", heading="")
    degree = Counter()
    for r in view.rels:
        degree[r.start] += 1
        degree[r.end] += 1
    classes = sorted(set(view.classes.values()))
    tips = []
    for n in view.nodes:
        p, cls = n.props, view.classes[n.uri]
        names = " / ".join(dict.fromkeys(x for x in (p.get("label_zh"), p.get("label_en")) if x))
        tips.append(f"{names or p['id']}\n{cls}\n{n.uri}")
    for n, tip in zip(view.nodes, text_titles(tips)):
        p, cls = n.props, view.classes[n.uri]
        net.add_node(n.uri, label=str(p.get("label") or p["id"]), title=tip, group=cls,
                     color=class_colour(cls, classes), size=10 + min(30, 2 * degree[n.uri]))
    for r in view.rels:
        net.add_edge(r.start, r.end, title=r.type, label=r.type, arrows="to", font={"size": 8})
    net.toggle_physics(len(view.nodes) <= 2000)
    html = net.generate_html(notebook=False)
    # pyvis's template also links Bootstrap (for menus not used here) from a CDN and a dead local
    # vis.js path; drop them so the page needs nothing but itself.
    html = _EXTERNAL.sub("", html)
    return html.replace("<head>", f"<head>\n<title>{escape(title)}</title>", 1)


def write_html(selection, out, ontology, progress) -> int:
    view = property_graph_view(selection, ontology)
    progress(f"drawing {len(view.nodes):,} nodes")
    out.write(render_html(view, title=f"kg export: {selection.description}").encode("utf-8"))
    return len(selection.quads)
