"""Draw a subgraph with pyvis: colour and shape by class, a precomputed layout, no running physics.

The layout is computed here (a seeded Fruchterman-Reingold in numpy, a few milliseconds for 500
nodes) and the browser draws the nodes where they are with physics off, so a large view is
drawn at once and never keeps moving.

Text from the data reaches the page as data, never as markup: pyvis embeds nodes with Jinja's
``tojson`` (which escapes ``<``, ``>`` and ``&``), vis-network draws labels on a canvas and shows
string tooltips with ``innerText``. pyvis switches to an ``innerHTML`` tooltip when any title
contains "href"; the titles are then HTML-escaped, so they still show as text.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
from pyvis.network import Network

from kg.ui.common import DEFAULT_STYLE, STYLE
from kg.export.html import text_titles

# Clicking a node shows a small panel (built with textContent) with links that open its page or
# add it to the view; they navigate the explorer's tab (a user's click allows it in the sandbox).
_CLICK_JS = """
<div id="kg-panel" style="position:absolute;top:8px;left:8px;background:#fff;border:1px solid #ccc;
  border-radius:6px;padding:6px 10px;font:13px sans-serif;display:none;z-index:10"></div>
<script>
(function () {
  var panel = document.getElementById("kg-panel");
  var seeds = SEEDS;
  function link(text, params) {
    var a = document.createElement("a");
    var base = window.parent.location.pathname;
    a.href = base + "?" + params;
    a.target = "_top";
    a.textContent = text;
    a.style.marginRight = "10px";
    return a;
  }
  function q(k, v) { return k + "=" + encodeURIComponent(v); }
  network.on("click", function (params) {
    if (!params.nodes.length) { panel.style.display = "none"; return; }
    var id = params.nodes[0];
    var node = nodes.get(id);
    panel.textContent = "";
    var title = document.createElement("b");
    title.textContent = node.label;
    panel.appendChild(title);
    panel.appendChild(document.createElement("br"));
    panel.appendChild(link("Open page", q("page", "entity") + "&" + q("iri", id)));
    var more = seeds.indexOf(id) < 0 ? seeds.concat([id]) : seeds;
    panel.appendChild(link("Expand", q("page", "graph") + "&" + more.map(function (s) { return q("seed", s); }).join("&") + EXTRA));
    panel.style.display = "block";
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length) {
      window.top.location.href = window.parent.location.pathname + "?" + q("page", "entity") + "&" + q("iri", params.nodes[0]);
    }
  });
  document.body.setAttribute("data-kg-ready", "1");
})();
</script>
"""


def layout(nodes: list[str], edges: list[tuple[str, str]], *, seed: int = 42, iterations: int = 50) -> dict[str, tuple[float, float]]:
    """Return positions (pixels) for ``nodes``: Fruchterman-Reingold from a seeded start."""
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {iri: i for i, iri in enumerate(nodes)}
    rng = np.random.default_rng(seed)
    pos = (rng.random((n, 2)) - 0.5).astype(np.float32)
    adj = np.zeros((n, n), dtype=np.float32)
    for a, b in edges:
        if a in index and b in index and a != b:
            adj[index[a], index[b]] = adj[index[b], index[a]] = 1.0
    k = 1.0 / math.sqrt(n)
    t = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist2 = np.maximum(np.einsum("ijk,ijk->ij", delta, delta), 1e-4)
        force = k * k / dist2 - adj * np.sqrt(dist2) / k
        disp = np.einsum("ijk,ij->ik", delta, force)
        length = np.maximum(np.sqrt((disp ** 2).sum(-1)), 0.01)
        pos += disp * (np.minimum(length, t) / length)[:, None]
        t -= 0.1 / (iterations + 1)
    pos -= pos.mean(0)
    scale = 90.0 * math.sqrt(n) / max(float(np.abs(pos).max()), 1e-9)
    return {iri: (float(x * scale), float(y * scale)) for iri, (x, y) in zip(nodes, pos)}


def style(cls: str, top: str) -> tuple[str, str]:
    """Colour and vis-network shape of a class (its own, else its top class's)."""
    return STYLE.get(cls, STYLE.get(top, DEFAULT_STYLE))


def graph_html(nodes: list[dict], edges: list[dict], *, seeds: list[str] = (), extra_params: str = "",
               height: int = 640) -> str:
    """Return the HTML of the view.

    ``nodes``: dicts with iri, label, cls, top (top class), title; ``edges``: dicts with
    source, target, label.
    """
    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line")
    positions = layout([n["iri"] for n in nodes], [(e["source"], e["target"]) for e in edges])
    titles = text_titles([n.get("title") or n["label"] for n in nodes])
    seeds = set(seeds)
    for node, title in zip(nodes, titles):
        colour, shape = style(node["cls"], node["top"])
        x, y = positions[node["iri"]]
        net.add_node(node["iri"], label=_short(node["label"]), title=title, color=colour, shape=shape,
                     x=x, y=y, size=22 if node["iri"] in seeds else 14,
                     borderWidth=3 if node["iri"] in seeds else 1)
    for edge in edges:
        net.add_edge(edge["source"], edge["target"], title=edge["label"], label=edge.get("short", ""),
                     arrows="to", color="#bbbbbb")
    net.set_options(json.dumps({
        "physics": {"enabled": False},
        "interaction": {"hover": True, "navigationButtons": False, "tooltipDelay": 150},
        "edges": {"smooth": False, "font": {"size": 9, "color": "#888888", "strokeWidth": 0}},
        "nodes": {"font": {"size": 12}},
    }))
    page = net.generate_html(notebook=False)
    # pyvis's template also pulls Bootstrap from a CDN; the view needs none of it (and may be offline).
    page = _BOOTSTRAP.sub("", page)
    script = (_CLICK_JS.replace("SEEDS", json.dumps(sorted(seeds)).replace("<", "\\u003c"))
              .replace("EXTRA", json.dumps(extra_params).replace("<", "\\u003c")))
    return page.replace("</body>", script + "</body>")


_BOOTSTRAP = re.compile(r'<(?:link|script)\s[^>]*?https://cdn\.jsdelivr\.net/npm/bootstrap[^>]*>(?:\s*</script>)?', re.S)


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
