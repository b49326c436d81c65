"""The graph view: the k-hop neighbourhood of entities, filtered, drawn with pyvis, exported."""

from __future__ import annotations

import json

import pyoxigraph as ox
import streamlit as st
import streamlit.components.v1 as components

from kg.errors import InputError
from kg.explore import RDF_TYPE, resolve_entity
from kg.ui.common import Graph, STYLE, esc, go, show_html, top_class
from kg.ui.graphview import graph_html

DEFAULT_CAP = 200
MAX_CAP = 1000


def _int_param(name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(st.query_params.get(name, default)), low), high)
    except ValueError:
        return default


def render(graph: Graph) -> None:
    """Draw the graph page for the seeds in ``?seed=`` (several allowed)."""
    from kg.export import select_subgraph

    st.title("Graph · 图谱")
    seeds = [s for s in st.query_params.get_all("seed") if s]
    seeds = [resolve_entity(graph.index, s) for s in seeds]
    index = graph.index
    add = st.text_input("Add an entity to the view · 添加实体", key="graph_add", placeholder="文心一言, Baidu…")
    if add:
        iri = resolve_entity(index, add)
        if iri not in seeds:
            go("graph", seed=seeds + [iri], hops=st.query_params.get("hops"), cap=st.query_params.get("cap"))
    if not seeds:
        st.info("Name an entity above, or open one from the search page, to see its neighbourhood.")
        return
    show_html("Centred on: " + ", ".join(f"<b>{esc(index.label(s))}</b>" for s in seeds))

    onto = graph.ontology
    with st.expander("Filters · 筛选", expanded=False):
        c1, c2, c3 = st.columns(3)
        hops = c1.slider("Hops · 跳数", 1, 4, _int_param("hops", 1, 1, 4), key="graph_hops")
        cap = c2.slider("Node cap · 节点上限", 5, MAX_CAP, _int_param("cap", DEFAULT_CAP, 5, MAX_CAP), step=5,
                        key="graph_cap")
        direction = c3.selectbox("Direction", ["both", "out", "in"], key="graph_direction")
        entity_classes = sorted(c for c in onto.classes if c not in _EVIDENCE and c != "ReportElement")
        classes = c1.multiselect("Classes", entity_classes, key="graph_classes")
        relations = c2.multiselect("Relationship types", sorted(p.name for p in onto.properties.values()
                                                                if p.is_object and p.name not in _EVIDENCE_PROPS),
                                   key="graph_relations")
        layers = c3.multiselect("Layers", _members(graph, "IndustryLayer"), format_func=index.label, key="graph_layers")
        industries = c1.multiselect("Industries", _members(graph, "Industry"), format_func=index.label,
                                    key="graph_industries")
        regions = c2.multiselect("Regions", _members(graph, "Region"), format_func=index.label, key="graph_regions")
        window = c3.text_input("Time window (e.g. 2022..2024)", key="graph_window")
    since, until = _window(window)
    selection = select_subgraph(graph.store, seeds, hops=hops, direction=direction, classes=classes or None,
                                relations=relations or None, layers=layers or None, industries=industries or None,
                                regions=regions or None, since=since, until=until, limit=cap, ontology=onto,
                                stop_at_limit=True)
    shown, total = len(selection.nodes), selection.total_nodes
    message = f"Showing {shown} of {total} nodes"
    if not selection.complete:
        st.warning(f"Showing the nearest {shown} nodes; more lie within {hops} hop(s). Raise the node cap "
                   f"(up to {MAX_CAP}) or add filters to see the rest.")
    elif total > shown:
        st.warning(message + f" (the nearest first); raise the node cap (up to {MAX_CAP}) or add filters to see the rest.")
    else:
        st.caption(message + f" · {hops} hop(s) · click a node for its page or to expand it; double-click opens it")
    nodes, edges = view_data(graph, selection)
    present = sorted({n["top"] for n in nodes})
    show_html(_legend(graph, present))
    extra = f"&hops={hops}&cap={cap}"
    page = _html(graph.generation, json.dumps(nodes), json.dumps(edges), tuple(seeds), extra)
    if hasattr(st, "iframe"):  # Streamlit 1.5x+: st.iframe replaces components.html
        st.iframe(page, height=660)
    else:
        components.html(page, height=660, scrolling=False)
    with st.expander(f"The {shown} nodes as a table"):
        st.dataframe({"name": [n["label"] for n in nodes], "class": [n["cls"] for n in nodes],
                      "iri": [n["iri"] for n in nodes]}, hide_index=True, width="stretch")
    _export(graph, selection)


@st.cache_data(max_entries=16, show_spinner=False)
def _html(generation: str, nodes: str, edges: str, seeds: tuple, extra: str) -> str:
    """The drawn view (layout included), kept for the same graph generation and view."""
    return graph_html(json.loads(nodes), json.loads(edges), seeds=list(seeds), extra_params=extra)


_EVIDENCE = {"Paragraph", "Mention", "Candidate", "Statistic", "TextRelation"}
_EVIDENCE_PROPS = {"partOfDocument", "inParagraph", "refersTo", "about", "relationSubject", "relationObject"}


def _members(graph: Graph, cls: str) -> list[str]:
    return sorted((e.iri for e in graph.index.entities.values() if cls in e.classes), key=graph.index.label)


def _window(text: str) -> tuple[str | None, str | None]:
    text = (text or "").strip()
    if not text:
        return None, None
    since, _, until = text.partition("..")
    if not _:
        until = since
    return since.strip() or None, until.strip() or None


def view_data(graph: Graph, selection) -> tuple[list[dict], list[dict]]:
    """Nodes (iri, label, cls, top, title) and edges (source, target, label) of a selection."""
    index, labels = graph.index, graph.index.class_labels
    chosen = set(selection.nodes)
    nodes = []
    for iri in selection.nodes:
        e = index.entities.get(iri)
        if e is not None:
            cls, label = e.cls, e.label
            title = "\n".join(x for x in (e.both_labels, labels.get(cls, {}).get("en", cls),
                                          str(e.year) if e.year else "") if x)
        else:  # a source document or a node the index leaves out (report evidence)
            types = [q.object.value.rsplit("#", 1)[-1] for q in
                     graph.store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None)]
            cls, label, title = (types[0] if types else "Resource"), iri.rsplit("/", 1)[-1], iri
        nodes.append({"iri": iri, "label": label, "cls": cls, "top": top_class(graph, cls), "title": title})
    edges, seen = [], set()
    for t in selection.triples():
        if t.predicate.value == RDF_TYPE or not isinstance(t.object, ox.NamedNode):
            continue
        s, o = t.subject.value, t.object.value
        if s in chosen and o in chosen and (s, t.predicate.value, o) not in seen:
            seen.add((s, t.predicate.value, o))
            name = t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            edges.append({"source": s, "target": o, "label": labels.get(name, {}).get("en", name)})
    return nodes, edges


def _legend(graph: Graph, classes: list[str]) -> str:
    items = []
    for cls in classes:
        colour = STYLE.get(cls, ("#999999", "dot"))[0]
        label = graph.index.class_labels.get(cls, {})
        text = label.get("en", cls) + (f" · {label['zh']}" if "zh" in label else "")
        items.append(f'<span style="margin-right:14px"><span style="display:inline-block;width:11px;height:11px;'
                     f'border-radius:50%;background:{colour};margin-right:4px"></span>{esc(text)}</span>')
    return f'<div class="kg-legend" style="font-size:0.85em">{"".join(items)}</div>'


def _export(graph: Graph, selection) -> None:
    from kg.export import FORMATS, export_bytes, select_nodes

    st.subheader("Export this view · 导出")
    c1, c2, c3 = st.columns([2, 1, 2])
    fmt = c1.selectbox("Format", list(FORMATS), format_func=lambda f: f"{f} — {FORMATS[f].description}",
                       key="graph_export_format")
    if c2.checkbox("with sources", value=False, key="graph_export_sources"):
        selection = select_nodes(graph.store, selection.nodes, with_sources=True)
    try:
        data = export_bytes(selection, fmt, ontology=graph.ontology)
    except InputError as exc:
        st.error(exc.message)
        return
    spec = FORMATS[fmt]
    c3.download_button(f"Download {fmt} ({len(data):,} bytes)", data, f"subgraph{spec.extension}", spec.media_type,
                       key="graph_download", type="primary")
