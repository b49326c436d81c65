"""Read-only SPARQL on the store: results, formats, caps, and refused queries."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kg import QueryError, ReadOnlyError, format_result, open_store, run_sparql
from kg.query import check_read_only


@pytest.fixture(scope="module")
def store(built_sink):
    return open_store(built_sink.store)


def test_select_sees_all_source_graphs_as_one(store):
    result = run_sparql(store, """SELECT ?app ?org WHERE {
        ?a a aigc:Application ; rdfs:label ?app ; aigc:providedBy/rdfs:label ?org .
        FILTER(lang(?app) = "zh" && lang(?org) = "en") }""")
    assert [[t.value for t in row] for row in result.rows] == [["文心一言", "Baidu"]]


def test_graph_tells_which_source_asserted_a_fact(store):
    result = run_sparql(store, "SELECT ?g WHERE { GRAPH ?g { ?s aigc:developedBy ?o } } GROUP BY ?g")
    assert [row[0].value for row in result.rows] == ["https://w3id.org/aigc-kg/graph/curated/models"]


def test_ask_and_construct(store):
    assert run_sparql(store, "ASK { ?m aigc:basedOn ?b }").boolean is True
    graph = run_sparql(store, "CONSTRUCT { ?m aigc:basedOn ?b } WHERE { ?m aigc:basedOn ?b }")
    assert graph.kind == "graph" and len(graph.rows) == 1


def test_formats(store):
    result = run_sparql(store, "SELECT ?name WHERE { ?m a aigc:Model ; rdfs:label ?name } ORDER BY ?name")
    rows = list(csv.reader(io.StringIO(format_result(result, "csv"))))
    assert rows == [["name"], ["ERNIE 3.5"], ["ERNIE Speed"], ["文心大模型3.5"]]
    data = json.loads(format_result(result, "json"))
    assert data["head"]["vars"] == ["name"]
    assert data["results"]["bindings"][2]["name"] == {"type": "literal", "value": "文心大模型3.5", "xml:lang": "zh"}
    table = format_result(result, "table")
    assert "ERNIE Speed" in table and table.endswith("3 row(s)")


def test_max_rows_caps_and_says_so(store):
    result = run_sparql(store, "SELECT * WHERE { ?s ?p ?o }", max_rows=5)
    assert len(result.rows) == 5 and result.truncated
    assert "truncated" in format_result(result, "table")


@pytest.mark.parametrize("query, word", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
    ("delete where { ?s ?p ?o }", "DELETE"),
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP GRAPH <urn:g>", "DROP"),
    ("CREATE GRAPH <urn:g>", "CREATE"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
])
def test_updates_are_refused(store, query, word):
    with pytest.raises(ReadOnlyError, match=f"SPARQL {word} is refused"):
        run_sparql(store, query)


def test_service_is_refused(store):
    with pytest.raises(ReadOnlyError, match="SERVICE is refused"):
        run_sparql(store, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s rdfs:label "INSERT DATA" }',
    "SELECT * WHERE { ?s ?p ?o } # DELETE WHERE",
    "SELECT ?drop ?load WHERE { ?drop ?load ?o }",
    "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o }",
    "SELECT * WHERE { ?s ?p '''a\nCLEAR ALL''' }",
])
def test_words_inside_strings_iris_comments_and_names_are_not_keywords(query):
    check_read_only(query)


def test_syntax_error_is_a_query_error_with_the_parser_message(store):
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        run_sparql(store, "SELECT WHERE {")
