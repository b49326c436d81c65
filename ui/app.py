"""The explorer: search, entity pages, graph view, queries, exports, dashboards and candidates.

Run with ``kg ui`` (or ``make run``). The page is chosen by the URL (``?page=entity&iri=...``),
so any view can be bookmarked or linked; each page lives in its own module and calls ``kg``
library functions only.
"""

from __future__ import annotations

import streamlit as st

from kg import KGError
from kg.ui import (page_candidates, page_dashboards, page_entity, page_graph, page_query, page_search)
from kg.ui.common import go, open_graph

PAGES = {
    "search": ("Search · 搜索", page_search.render),
    "entity": ("Entity · 实体", page_entity.render),
    "graph": ("Graph · 图谱", page_graph.render),
    "query": ("Query · 查询", page_query.render),
    "dashboards": ("Dashboards · 看板", page_dashboards.render),
    "candidates": ("Candidates · 候选", page_candidates.render),
}

st.set_page_config(page_title="AIGC industry knowledge graph", layout="wide")

try:
    graph = open_graph()
except KGError as exc:
    st.title("AIGC industry knowledge graph · AIGC产业知识图谱")
    st.error(exc.report())
    st.stop()

page = st.query_params.get("page", "search")
if page not in PAGES:
    page = "search"
names = list(PAGES)
with st.sidebar:
    st.markdown("### AIGC industry knowledge graph\nAIGC产业知识图谱")
    # The radio follows the URL: its index comes from ?page=, and picking another page rewrites the URL.
    choice = st.radio("Page", names, index=names.index(page), format_func=lambda p: PAGES[p][0],
                      label_visibility="collapsed")
    st.caption(f"{len(graph.index)} entities · store {graph.config.store_path}")
if choice != page:
    go(choice)

try:
    PAGES[page][1](graph)
except KGError as exc:
    st.error(exc.report())
