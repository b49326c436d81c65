"""Search: one box for names and aliases in Chinese or English, results by class, facets."""

from __future__ import annotations

import streamlit as st

from kg.ui.common import Graph, badge, entity_link, esc, go, href, show_html

_FACET_TITLES = {"class": "Class · 类别", "layer": "Layer · 产业层级", "industry": "Industry · 行业",
                 "region": "Region · 地区"}


def render(graph: Graph) -> None:
    """Draw the search page."""
    st.title("AIGC industry knowledge graph · AIGC产业知识图谱")
    params = st.query_params
    text = st.text_input("Search names and aliases · 搜索名称或别名", value=params.get("q", ""),
                         placeholder="文心一言, ERNIE Bot, baidu, 生成式人工智能…", key="search_q")
    if text != params.get("q", ""):
        params["q"] = text

    index = graph.index
    chosen = {}
    with st.sidebar:
        st.markdown("#### Facets · 筛选")
        base = index.search(text, limit=0)
        for facet, title in _FACET_TITLES.items():
            options = base.facets[facet]
            if not options:
                continue
            labels = {v: f"{label} ({n})" for v, label, n in options}
            chosen[facet] = st.multiselect(title, list(labels), format_func=lambda v, m=labels: m[v],
                                           key=f"facet_{facet}")
        years = [v for v, _, _ in base.facets["year"]]
        since = until = None
        if years and min(years) < max(years):
            since, until = st.slider("Year · 年份", min(years), max(years), (min(years), max(years)), key="facet_year")
            if (since, until) == (min(years), max(years)):
                since = until = None
    result = index.search(text, classes=chosen.get("class"), layers=chosen.get("layer"),
                          industries=chosen.get("industry"), regions=chosen.get("region"),
                          since=since, until=until, limit=200)
    what = f"“{text}”" if text.strip() else "all entities"
    st.caption(f"{result.total} result(s) for {what}" + (f"; the first {len(result.hits)} shown" if result.total > len(result.hits) else ""))
    if not result.hits:
        st.info("Nothing matches. Try the other language, an alias, or fewer facets.")
        return
    if text.strip() and len(result.hits) >= 1:
        best = result.hits[0].entity
        col1, col2 = st.columns([1, 1])
        if col1.button(f"Open the best match: {best.label}", key="open_best", type="primary"):
            go("entity", iri=best.iri)
        if col2.button("Show the results as a graph", key="graph_hits"):
            go("graph", seed=[h.entity.iri for h in result.hits[:20]])
    groups: dict[str, list] = {}
    for hit in result.hits:
        groups.setdefault(hit.entity.cls, []).append(hit)
    for cls, count in result.groups.items():
        hits = groups.get(cls)
        if not hits:
            continue
        rows = []
        for hit in hits:
            e = hit.entity
            other = e.label_zh if e.label_en and e.label_zh and e.label_zh != e.label_en else ""
            via = f' <span style="color:grey">— matched “{esc(hit.matched)}”</span>' if hit.matched and hit.matched not in (e.label_en, e.label_zh) else ""
            rows.append(f'<li class="kg-hit">{entity_link(e.iri, e.label)}'
                        f'{" · " + esc(other) if other else ""}{" · " + str(e.year) if e.year else ""}{via}'
                        f' <a href="{esc(href("graph", seed=e.iri))}" target="_self" title="graph view">[graph]</a></li>')
        show_html(f'<div class="kg-group"><h4>{badge(graph, cls)} {count}</h4><ul>{"".join(rows)}</ul></div>')
