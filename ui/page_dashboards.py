"""Dashboards: the ecosystem summaries of kg.analyze as charts, each with its data to download."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kg.ui.common import Graph

TITLES = {
    "models-per-year": "Models released per year, by modality and weights · 每年发布的模型",
    "funding-by-year-layer": "Funding over time by industry layer · 各层级融资",
    "policy-timeline": "Policy timeline by jurisdiction · 政策时间线",
    "layer-industry": "Industry layer × industry · 产业层级 × 行业",
    "region": "Organisations by country and region · 各地区组织",
}


@st.cache_resource(show_spinner="Reading the graph for the dashboards…", max_entries=2)
def _networkx(generation: str, _graph: Graph):
    from kg.analyze import to_networkx

    return to_networkx(_graph.store, ontology=_graph.ontology)


def frame(table) -> pd.DataFrame:
    """A kg.analyze table as a DataFrame."""
    return pd.DataFrame(table.rows, columns=table.variables)


def render(graph: Graph) -> None:
    """Draw the dashboards."""
    from kg.analyze import SUMMARIES, centrality, ecosystem_summary

    st.title("Dashboards · 看板")
    G = _networkx(graph.generation, graph)
    st.caption(f"{G.number_of_nodes()} nodes and {G.number_of_edges()} relationships, read with networkx")
    names = [n for n in TITLES if n in SUMMARIES]
    for left, right in zip(names[::2], names[1::2] + [None]):
        cols = st.columns(2)
        for col, name in zip(cols, (left, right)):
            if name:
                with col:
                    _chart(name, TITLES[name], ecosystem_summary(G, name))
    st.subheader("Most central organisations · 核心组织")
    measure = st.radio("Measure", ["degree", "pagerank", "betweenness"], horizontal=True, key="centrality_measure")
    table = centrality(G, measure, by_class=True, top=15)
    df = frame(table)
    orgs = df[df["class"].isin(_org_classes(graph))].sort_values(measure, ascending=False).head(15)
    st.altair_chart(alt.Chart(orgs).mark_bar().encode(x=alt.X(f"{measure}:Q"), y=alt.Y("name:N", sort="-x"),
                                                      color="class:N", tooltip=list(orgs.columns)),
                    width="stretch")
    _downloads(orgs, f"centrality-{measure}")


def _org_classes(graph: Graph) -> set[str]:
    return {c.name for c in graph.ontology.classes.values() if c.ancestors[-1].endswith("#Organization")}


def _chart(name: str, title: str, table) -> None:
    st.subheader(title)
    df = frame(table)
    if df.empty:
        st.caption("No data in the graph for this chart.")
        return
    x, series, value = table.chart.get("x"), table.chart.get("series"), table.chart.get("value")
    if name == "layer-industry":
        chart = alt.Chart(df).mark_rect().encode(x="industry:N", y="layer:N", color="total:Q",
                                                 tooltip=list(df.columns))
        chart = chart + chart.mark_text(baseline="middle").encode(text="total:Q", color=alt.value("black"))
    else:
        y = alt.Y(f"{value}:Q", aggregate="sum") if value else alt.Y("count():Q")
        enc = {"x": alt.X(f"{x}:N"), "y": y, "tooltip": list(df.columns)}
        if series:
            enc["color"] = alt.Color(f"{series}:N")
        chart = alt.Chart(df).mark_bar().encode(**enc)
    st.altair_chart(chart, width="stretch")
    _downloads(df, name)


def _downloads(df: pd.DataFrame, name: str) -> None:
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button("CSV", df.to_csv(index=False), f"{name}.csv", "text/csv", key=f"{name}_csv")
    c2.download_button("JSON", df.to_json(orient="records", force_ascii=False, date_format="iso"), f"{name}.json",
                       "application/json", key=f"{name}_json")
