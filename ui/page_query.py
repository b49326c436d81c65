"""Query: a SPARQL editor with examples, a Cypher editor, results as a table with downloads."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from kg import KGError, format_result
from kg.explore import run_sparql_timed
from kg.query import QueryResult, term_text
from kg.ui.common import Graph, go

MAX_ROWS = 5000
TIMEOUT = 20.0

# The common research questions, as queries to start from.
EXAMPLES = {
    "Who developed each model, and what is it based on? · 模型的开发方与基座": """SELECT ?model ?name ?developer ?basedOn ?released WHERE {
  ?model a aigc:Model ; rdfs:label ?name ; aigc:developedBy/rdfs:label ?developer .
  OPTIONAL { ?model aigc:basedOn/rdfs:label ?basedOn FILTER(lang(?basedOn) = "en") }
  OPTIONAL { ?model aigc:releaseDate ?released }
  FILTER(lang(?name) = "en" && lang(?developer) = "en")
} ORDER BY DESC(?released) ?name LIMIT 200""",
    "Which models power each application? · 应用背后的模型": """SELECT ?app ?name ?provider ?model WHERE {
  ?app a aigc:Application ; rdfs:label ?name .
  OPTIONAL { ?app aigc:providedBy/rdfs:label ?provider FILTER(lang(?provider) = "en") }
  OPTIONAL { ?app aigc:poweredBy/rdfs:label ?model FILTER(lang(?model) = "en") }
  FILTER(lang(?name) = "en")
} ORDER BY ?name LIMIT 200""",
    "Which policies govern what, issued by whom and when? · 政策及其监管对象": """SELECT ?policy ?title ?issuer ?issued ?governs WHERE {
  ?policy a aigc:Policy ; rdfs:label ?title .
  OPTIONAL { ?policy aigc:issuedBy/rdfs:label ?issuer FILTER(lang(?issuer) = "en") }
  OPTIONAL { ?policy aigc:issuedDate ?issued }
  OPTIONAL { ?policy aigc:governs/rdfs:label ?governs FILTER(lang(?governs) = "en") }
  FILTER(lang(?title) = "zh")
} ORDER BY ?issued LIMIT 200""",
    "Who invested in whom, when and how much? · 融资事件": """SELECT ?event ?investee ?investor ?round ?date ?amount ?currency WHERE {
  ?event a aigc:FundingEvent ; aigc:investee/rdfs:label ?investee .
  OPTIONAL { ?event aigc:investor/rdfs:label ?investor FILTER(lang(?investor) = "en") }
  OPTIONAL { ?event aigc:round ?round } OPTIONAL { ?event aigc:date ?date }
  OPTIONAL { ?event aigc:amount ?amount } OPTIONAL { ?event aigc:currency ?currency }
  FILTER(lang(?investee) = "en")
} ORDER BY DESC(?date) LIMIT 200""",
    "How many organisations are in each industry layer? · 各产业层级的组织数": """SELECT ?layer (COUNT(DISTINCT ?org) AS ?organisations) WHERE {
  ?org a/rdfs:subClassOf* aigc:Organization ; aigc:inLayer/rdfs:label ?layer .
  FILTER(lang(?layer) = "en")
} GROUP BY ?layer ORDER BY DESC(?organisations)""",
    "Models released per year · 每年发布的模型数": """SELECT ?year (COUNT(DISTINCT ?m) AS ?models) WHERE {
  ?m a aigc:Model ; aigc:releaseDate ?d .
  BIND(SUBSTR(STR(?d), 1, 4) AS ?year)
} GROUP BY ?year ORDER BY ?year""",
    "Which documents mention what? · 文献提及的实体": """SELECT ?document ?entity ?name WHERE {
  ?document a aigc:Document ; aigc:mentions ?entity .
  ?entity rdfs:label ?name FILTER(lang(?name) = "en")
} ORDER BY ?document ?name LIMIT 500""",
}

CYPHER_EXAMPLE = """MATCH (m:Model)-[:DEVELOPED_BY]->(o:Organization)
RETURN o.label AS developer, count(m) AS models
ORDER BY models DESC LIMIT 20"""


def render(graph: Graph) -> None:
    """Draw the query page."""
    st.title("Query · 查询")
    sparql, cypher = st.tabs(["SPARQL", "Cypher (Neo4j)"])
    with sparql:
        _sparql(graph)
    with cypher:
        _cypher(graph)


def _about_query(graph: Graph) -> str | None:
    about = st.query_params.get("about")
    if about and about in graph.index.entities:  # only a known entity's IRI is put into a query
        return f"SELECT ?property ?value ?direction WHERE {{\n  {{ <{about}> ?property ?value BIND(\"out\" AS ?direction) }}\n  UNION {{ ?value ?property <{about}> BIND(\"in\" AS ?direction) }}\n}} ORDER BY ?direction ?property"
    return None


def _sparql(graph: Graph) -> None:
    about = _about_query(graph)
    names = list(EXAMPLES)
    example = st.selectbox("Example questions · 示例问题", names, index=None if about else 0,
                           placeholder="Pick an example", key="sparql_example")
    default = EXAMPLES[example] if example else (about or "")
    text = st.text_area("SPARQL (read-only; prefixes aigc: rdfs: skos: schema: dcterms: prov: … predeclared)",
                        value=default, height=220, key=f"sparql_text_{example}")
    if st.button("Run SPARQL", type="primary", key="run_sparql"):
        _keep_result("sparql_result", lambda: run_sparql_timed(graph.store, text, timeout=TIMEOUT, max_rows=MAX_ROWS))
    result = st.session_state.get("sparql_result")
    if result is not None:
        show_result(graph, result, "sparql")


def _keep_result(key: str, run) -> None:
    """Run a query and keep its result for the page's reruns; on refusal or failure, say why instead."""
    try:
        st.session_state[key] = run()
    except KGError as exc:
        st.session_state.pop(key, None)
        st.error(exc.message)


def show_result(graph: Graph, result: QueryResult, key: str) -> None:
    """Show a result as a table with CSV and JSON downloads (and a graph view of its entities)."""
    if result.kind == "ask":
        st.success(f"ASK: {result.boolean}")
        return
    frame = pd.DataFrame([[term_text(t) for t in row] for row in result.rows], columns=result.variables)
    note = f"{len(result.rows)} row(s)" + (f" — capped at {MAX_ROWS}; narrow the query or add LIMIT" if result.truncated else "")
    st.caption(note)
    st.dataframe(frame, hide_index=True, width="stretch")
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.download_button("Download CSV", format_result(result, "csv"), f"{key}-result.csv", "text/csv", key=f"{key}_csv")
    c2.download_button("Download JSON", format_result(result, "json"), f"{key}-result.json", "application/json",
                       key=f"{key}_json")
    entities = [c for c in dict.fromkeys(term_text(t) for row in result.rows for t in row) if c in graph.index.entities]
    if entities and c3.button(f"Graph of the {min(len(entities), 50)} entities in the result", key=f"{key}_graph"):
        go("graph", seed=entities[:50])


def _cypher(graph: Graph) -> None:
    from kg.neo4j_server import server_status
    from kg.sync import neo4j_settings

    configured = bool(os.environ.get("NEO4J_URI"))
    if not configured and graph.config.neo4j_state is not None:
        configured = server_status(graph.config.neo4j_state).running
    if not configured:
        st.info("Cypher runs on Neo4j, which is not configured. Start the local server and load the graph "
                "into it, then reload this page:\n\n```sh\nkg neo4j start\nkg sync\n```\n\nor set `NEO4J_URI`, "
                "`NEO4J_USER` and `NEO4J_PASSWORD` for a running Neo4j before `kg ui`.")
        return
    from kg.cypher import run_cypher

    text = st.text_area("Cypher (read-only)", CYPHER_EXAMPLE, height=160, key="cypher_text")
    if st.button("Run Cypher", type="primary", key="run_cypher"):
        _keep_result("cypher_result", lambda: run_cypher(neo4j_settings(graph.config), text, timeout=TIMEOUT,
                                                         max_rows=MAX_ROWS))
    result = st.session_state.get("cypher_result")
    if result is not None:
        show_result(graph, result, "cypher")
