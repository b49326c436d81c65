"""``kg serve-sparql``: the embedded store as a SPARQL 1.1 Protocol endpoint, read by real clients
(SPARQLWrapper, rdflib's SPARQLStore, plain HTTP) over 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, SPARQLWrapper, TURTLE, XML

from kg import open_store
from kg.query import run_sparql
from kg.serve import make_server
from kg.store import to_rdflib

BAIDU = "https://w3id.org/aigc-kg/resource/org/baidu"
COMPANIES = "SELECT ?c WHERE { ?c a aigc:Company } ORDER BY ?c"


def serve(store, **options):
    server = make_server(store, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def endpoint(built_sink):
    """The kitchen-sink store served on a free port for this module."""
    server = serve(open_store(built_sink.store), timeout=20, max_rows=1000)
    yield server.url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def companies(built_sink) -> list[str]:
    return [row[0].value for row in run_sparql(open_store(built_sink.store), COMPANIES).rows]


def wrapper(url: str, query: str, fmt) -> SPARQLWrapper:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_reads_select_results_as_json(endpoint, companies):
    result = wrapper(endpoint, COMPANIES, JSON).queryAndConvert()
    assert result["head"]["vars"] == ["c"]
    assert [b["c"]["value"] for b in result["results"]["bindings"]] == companies and companies


def test_sparqlwrapper_reads_select_results_as_xml_by_get_and_both_posts(endpoint, companies):
    for method, request in ((None, None), (POST, None), (POST, POSTDIRECTLY)):
        client = wrapper(endpoint, COMPANIES, XML)
        if method:
            client.setMethod(method)
        if request:
            client.setRequestMethod(request)
        doc = client.queryAndConvert()  # an xml.dom.minidom Document
        uris = [node.firstChild.data for node in doc.getElementsByTagName("uri")]
        assert uris == companies, (method, request)


def test_sparqlwrapper_reads_ask_and_csv(endpoint):
    assert wrapper(endpoint, "ASK { ?s a aigc:Company }", JSON).queryAndConvert()["boolean"] is True
    text = wrapper(endpoint, 'SELECT ?l WHERE { <%s> rdfs:label ?l FILTER(lang(?l) = "zh") }' % BAIDU,
                   CSV).queryAndConvert()
    assert text.decode("utf-8").split() == ["l", "百度"]


def test_construct_comes_back_as_turtle_equal_to_the_local_result(endpoint, built_sink):
    query = f"CONSTRUCT {{ <{BAIDU}> ?p ?o }} WHERE {{ <{BAIDU}> ?p ?o }}"
    data = wrapper(endpoint, query, TURTLE).queryAndConvert()
    remote = rdflib.Graph().parse(data=data, format="turtle")
    local = rdflib.Graph()
    for s, p, o in run_sparql(open_store(built_sink.store), query).rows:
        local.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    assert len(remote) == len(local) > 3
    assert isomorphic(remote, local)


def test_rdflib_sparqlstore_reads_triples_and_answers_queries(endpoint, companies):
    graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    labels = {str(o) for o in graph.objects(rdflib.URIRef(BAIDU), rdflib.RDFS.label)}
    assert labels == {"Baidu", "百度"}
    rows = graph.query("SELECT ?c WHERE { ?c a <https://w3id.org/aigc-kg/ontology#Company> } ORDER BY ?c")
    assert [str(r.c) for r in rows] == companies


@pytest.mark.parametrize("accept, media", [
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml;q=0.9, application/sparql-results+json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"), ("", "application/sparql-results+json"),
])
def test_select_results_follow_content_negotiation(endpoint, accept, media):
    response = requests.get(endpoint, params={"query": COMPANIES}, headers={"Accept": accept}, timeout=20)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                         ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_graph_results_follow_content_negotiation(endpoint, accept, fmt):
    query = f"DESCRIBE <{BAIDU}>"
    response = requests.post(endpoint, data={"query": query}, headers={"Accept": accept}, timeout=20)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.content, format=fmt)
    assert (rdflib.URIRef(BAIDU), rdflib.RDFS.label, rdflib.Literal("百度", lang="zh")) in graph


def test_an_unacceptable_media_type_gets_406(endpoint):
    response = requests.get(endpoint, params={"query": COMPANIES}, headers={"Accept": "image/png"}, timeout=20)
    assert response.status_code == 406 and "application/sparql-results+json" in response.text


@pytest.mark.parametrize("query, word", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
    ("LOAD <http://example.org/x.ttl>", "LOAD"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELEC ?x WHERE { }", "syntax error"),
])
def test_updates_service_and_malformed_queries_get_400_with_a_message(endpoint, query, word):
    for response in (requests.get(endpoint, params={"query": query}, timeout=20),
                     requests.post(endpoint, data=query.encode(), headers={"Content-Type": "application/sparql-query"},
                                   timeout=20)):
        assert response.status_code == 400 and word in response.text


def test_the_update_operation_is_refused_in_every_form(endpoint, built_sink):
    before = len(open_store(built_sink.store))
    update = "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"
    assert requests.post(endpoint, data={"update": update}, timeout=20).status_code == 400
    assert requests.post(endpoint, data=update.encode(), headers={"Content-Type": "application/sparql-update"},
                         timeout=20).status_code == 400
    assert requests.put(endpoint, data=b"", timeout=20).status_code == 405
    client = wrapper(endpoint, update, JSON)
    client.setMethod(POST)
    with pytest.raises(Exception, match="400|[Bb]ad"):
        client.query()
    assert len(open_store(built_sink.store)) == before


def test_results_are_capped_at_max_rows(built_sink):
    server = serve(open_store(built_sink.store), max_rows=2)
    try:
        response = requests.get(server.url, params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                                headers={"Accept": "application/sparql-results+json"}, timeout=20)
        assert len(response.json()["results"]["bindings"]) == 2
        assert response.headers["X-SPARQL-MaxRows"] == "2"
    finally:
        server.shutdown()
        server.server_close()


def test_dataset_description_of_the_protocol_is_honoured(endpoint):
    graph = "https://w3id.org/aigc-kg/graph/curated/organizations"
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = requests.get(endpoint, params={"query": query, "default-graph-uri": graph}, timeout=20).json()
    everything = requests.get(endpoint, params={"query": query}, timeout=20).json()
    n = lambda r: int(r["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    assert 0 < n(one) < n(everything)


def test_kg_serve_sparql_command_serves_the_configured_store(built_sink):
    kg = str(Path(sys.executable).parent / "kg")  # the console script
    proc = subprocess.Popen([kg, "serve-sparql", "--port", "0", "--config",
                             str(built_sink.config)], stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        line = proc.stderr.readline()
        assert line.startswith("SPARQL endpoint at http://127.0.0.1:"), line
        url = line.split()[3]
        result = wrapper(url, "ASK { ?s a aigc:Model }", JSON).queryAndConvert()
        assert result["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_query_running_past_the_timeout_gets_503_and_stops(built_sink):
    server = serve(open_store(built_sink.store), timeout=0.05, max_rows=None)
    try:  # hundreds of thousands of rows: the worker checks the clock between rows
        response = requests.get(server.url, params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"}, timeout=60)
        assert response.status_code == 503 and "longer than 0.05 s" in response.text
    finally:
        server.shutdown()
        server.server_close()
