"""The explorer's first page: what the graph holds, and a SPARQL box.

Run with ``kg ui`` (or ``make run``). The full explorer (search, entity pages, graph view, export)
builds on this page; every number shown comes from ``kg`` library functions.
"""

from __future__ import annotations

import streamlit as st

from kg import KGError, format_result, graph_stats, load_config, load_ontology, open_store, run_sparql

EXAMPLE = """SELECT ?model ?name ?developer WHERE {
  ?m a aigc:Model ; rdfs:label ?name ; aigc:developedBy/rdfs:label ?developer .
  BIND(STRAFTER(STR(?m), "/model/") AS ?model)
} ORDER BY ?model LIMIT 50"""

st.set_page_config(page_title="AIGC industry knowledge graph", layout="wide")
st.title("AIGC industry knowledge graph · AIGC产业知识图谱")

try:
    config = load_config()
    store = open_store(config.store_path)
    stats = graph_stats(store, load_ontology(config.ontology_path, config.shapes_path))
except KGError as exc:
    st.error(exc.report())
    st.stop()

st.caption(f"{stats.triples} triples in {stats.graphs} source graphs · store {config.store_path}")
left, right = st.columns(2)
left.subheader("Entities per class")
classes = sorted(stats.classes.items(), key=lambda kv: (-kv[1], kv[0]))
left.dataframe({"class": [c for c, _ in classes], "entities": [n for _, n in classes]},
               hide_index=True, use_container_width=True)
right.subheader("Facts per property")
right.dataframe({"property": list(stats.relations), "facts": list(stats.relations.values())},
                hide_index=True, use_container_width=True)

st.subheader("SPARQL (read-only)")
query = st.text_area("Query", EXAMPLE, height=160)
if st.button("Run query"):
    try:
        result = run_sparql(store, query, max_rows=1000)
    except KGError as exc:
        st.error(exc.message)
    else:
        st.code(format_result(result, "csv"), language=None)
