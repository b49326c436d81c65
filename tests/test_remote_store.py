"""``[store] kind = "sparql"``: build into, and read from, a real Apache Jena Fuseki (Maven Central)."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from click.testing import CliRunner

from kg import load_config, load_ontology, open_store
from kg.cli import main
from kg.errors import ServiceError
from kg.remote_store import RemoteStore

from conftest import BAD, KITCHEN_SINK, Project


def sparql_project(root, endpoints, extra: str = "") -> Project:
    """A project with the kitchen-sink data whose store is the Fuseki dataset at ``endpoints``."""
    proj = Project(root)
    proj.add(KITCHEN_SINK)
    gsp = f'gsp_endpoint = "{endpoints.gsp_endpoint}"\n' if "gsp" in extra else ""
    batch = "batch = 40\n" if "small-batches" in extra else ""
    proj.config.write_text(
        f'[store]\npath = ".kg/store"\nkind = "sparql"\nquery_endpoint = "{endpoints.query_endpoint}"\n'
        f'update_endpoint = "{endpoints.update_endpoint}"\n{gsp}{batch}\n'
        '[[sources]]\nkind = "curated"\npath = "data"\n', encoding="utf-8")
    return proj


@pytest.fixture
def fuseki(fuseki_server):
    """The session's Fuseki, emptied for this test."""
    requests.post(fuseki_server.update_endpoint, data=b"DROP ALL",
                  headers={"Content-Type": "application/sparql-update"}, timeout=30).raise_for_status()
    return fuseki_server


def kg(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def remote_quads(fuseki) -> int:
    rows = requests.post(fuseki.query_endpoint, data={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    return int(rows["results"]["bindings"][0]["n"]["value"])


def test_build_writes_to_fuseki_and_stats_match_the_embedded_build(built_sink, fuseki, tmp_path):
    proj = sparql_project(tmp_path / "remote", fuseki)
    result = kg("build", "--config", str(proj.config))
    assert result.exit_code == 0, result.output
    assert not (proj.store / "CURRENT").exists()  # nothing embedded was written
    embedded = kg("stats", "--format", "json", "--store", str(built_sink.store), "--config", str(built_sink.config))
    remote = kg("stats", "--format", "json", "--config", str(proj.config))
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.output) == json.loads(embedded.output)
    assert remote_quads(fuseki) == len(open_store(built_sink.store))


def test_query_sparql_reads_the_remote_store_like_the_embedded_one(built_sink, fuseki, tmp_path):
    proj = sparql_project(tmp_path / "remote", fuseki)
    assert kg("build", "-q", "--config", str(proj.config)).exit_code == 0
    queries = [
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "SELECT ?m ?label WHERE { ?m aigc:developedBy <https://w3id.org/aigc-kg/resource/org/baidu> ; "
        "rdfs:label ?label } ORDER BY ?m ?label",
        "ASK { ?s a aigc:Company }",
    ]
    for q in queries:
        embedded = kg("query", "sparql", q, "--format", "json", "--config", str(built_sink.config))
        remote = kg("query", "sparql", q, "--format", "json", "--config", str(proj.config))
        assert remote.exit_code == 0, remote.output
        assert json.loads(remote.output) == json.loads(embedded.output), q
    construct = kg("query", "sparql", "CONSTRUCT { ?s a aigc:Company } WHERE { ?s a aigc:Company }",
                   "--format", "csv", "--config", str(proj.config))
    assert construct.exit_code == 0 and "org/baidu" in construct.output


def test_rebuild_replaces_graphs_without_duplicates_and_drops_removed_sources(fuseki, tmp_path):
    proj = sparql_project(tmp_path / "remote", fuseki)
    assert kg("build", "-q", "--config", str(proj.config)).exit_code == 0
    first = remote_quads(fuseki)
    assert kg("build", "-q", "--config", str(proj.config)).exit_code == 0
    assert remote_quads(fuseki) == first
    (proj.data / "places.yaml").unlink()  # nothing else refers to the places in policies? rebuild tells
    result = kg("build", "-q", "--config", str(proj.config))
    graphs = {g.value for g in RemoteStore(load_config(proj.config).sparql).named_graphs()}
    if result.exit_code == 0:
        assert not any(g.endswith("/curated/places") for g in graphs)
    else:  # refused: the remote dataset is as the last build left it
        assert remote_quads(fuseki) == first and any(g.endswith("/curated/places") for g in graphs)


def test_graph_store_protocol_and_small_batches_write_the_same_graph(fuseki, tmp_path):
    counts = []
    for extra in ("", "gsp", "small-batches"):
        proj = sparql_project(tmp_path / (extra or "update"), fuseki, extra)
        result = kg("build", "-q", "--config", str(proj.config))
        assert result.exit_code == 0, result.output
        counts.append((remote_quads(fuseki), kg("stats", "--format", "json", "--config", str(proj.config)).output))
    assert counts[0] == counts[1] == counts[2]


def test_a_refused_build_leaves_the_remote_dataset_as_it_was(fuseki, tmp_path):
    proj = sparql_project(tmp_path / "remote", fuseki)
    assert kg("build", "-q", "--config", str(proj.config)).exit_code == 0
    before = remote_quads(fuseki)
    proj.add(BAD / "bad_date.yaml")
    result = kg("build", "--config", str(proj.config))
    assert result.exit_code == 1 and "bad_date.yaml" in result.output
    assert remote_quads(fuseki) == before


def test_ingest_adds_and_replaces_a_graph_in_the_remote_store(fuseki, tmp_path):
    proj = sparql_project(tmp_path / "remote", fuseki)
    assert kg("build", "-q", "--config", str(proj.config)).exit_code == 0
    before = remote_quads(fuseki)
    extra = tmp_path / "extra.yaml"
    for label in ("ERNIE 4.0", "ERNIE 4.0 Turbo"):  # the second ingest replaces the first's graph
        extra.write_text(f"- id: ernie-4\n  kind: Model\n  label: {{en: {label}}}\n  developedBy: baidu\n"
                         "  sources: [https://example.org/e4]\n", encoding="utf-8")
        result = kg("ingest", "curated", str(extra), "-q", "--config", str(proj.config))
        assert result.exit_code == 0, result.output
    labels = kg("query", "sparql", "SELECT ?l WHERE { <https://w3id.org/aigc-kg/resource/model/ernie-4> rdfs:label ?l }",
                "--format", "csv", "--config", str(proj.config))
    assert labels.output.split() == ["l", "ERNIE", "4.0", "Turbo"]
    assert remote_quads(fuseki) == before + 4 + 4  # the graph's 4 quads, its 4 metadata quads


def test_remote_store_offers_the_read_api_the_library_uses(built_sink, fuseki, tmp_path):
    proj = sparql_project(tmp_path / "remote", fuseki)
    assert kg("build", "-q", "--config", str(proj.config)).exit_code == 0
    local, remote = open_store(built_sink.store), open_store(load_config(proj.config))
    assert isinstance(remote, RemoteStore)
    assert len(remote) == len(local)
    assert {g.value for g in remote.named_graphs()} == {g.value for g in local.named_graphs()}
    import pyoxigraph as ox

    baidu = ox.NamedNode("https://w3id.org/aigc-kg/resource/org/baidu")
    assert sorted(map(str, remote.quads_for_pattern(baidu, None, None, None))) == \
        sorted(map(str, local.quads_for_pattern(baidu, None, None, None)))
    from kg.stats import graph_stats

    assert graph_stats(remote, load_ontology()).as_dict() == graph_stats(local, load_ontology()).as_dict()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_sparql_store_exits_3_with_a_clear_message(tmp_path):
    port = _closed_port()

    class Down:
        query_endpoint = f"http://127.0.0.1:{port}/aigc/query"
        update_endpoint = f"http://127.0.0.1:{port}/aigc/update"
        gsp_endpoint = f"http://127.0.0.1:{port}/aigc/data"

    proj = sparql_project(tmp_path / "down", Down)
    for args in (["build"], ["stats"], ["query", "sparql", "ASK {}"]):
        result = kg(*args, "--config", str(proj.config))
        assert result.exit_code == 3, (args, result.output)
        assert f"the SPARQL store at http://127.0.0.1:{port}/aigc/" in result.output
        assert "unreachable" in result.output and "Traceback" not in result.output
    with pytest.raises(ServiceError):
        len(RemoteStore(load_config(proj.config).sparql))


def test_credentials_in_kg_toml_are_refused(tmp_path):
    proj = Project(tmp_path / "p")
    proj.config.write_text('[store]\nkind = "sparql"\nquery_endpoint = "http://127.0.0.1:1/q"\n'
                           'update_endpoint = "http://127.0.0.1:1/u"\npassword = "secret"\n', encoding="utf-8")
    result = kg("stats", "--config", str(proj.config))
    assert result.exit_code == 1 and "KG_SPARQL_PASSWORD" in result.output and "secret" not in result.output


@pytest.mark.neo4j
def test_sync_reads_the_remote_store(fuseki, neo4j_db, tmp_path):
    from kg.sync import sync_store, verify_sync

    proj = sparql_project(tmp_path / "remote", fuseki)
    assert kg("build", "-q", "--config", str(proj.config)).exit_code == 0
    store = open_store(load_config(proj.config))
    result = sync_store(store, load_ontology(), neo4j_db.settings)
    assert result.nodes_written == result.nodes_total > 0
    assert verify_sync(store, load_ontology(), neo4j_db.settings).ok


def test_kg_fuseki_status_says_how_to_start_and_exits_3_when_not_running(tmp_path):
    proj = Project(tmp_path / "p")
    result = kg("fuseki", "status", "--config", str(proj.config))
    assert result.exit_code == 3 and "Fuseki is not running" in result.output and "kg fuseki start" in result.output


def test_the_session_fuseki_is_the_maven_central_release_bound_to_loopback(fuseki_server):
    from kg.fuseki_server import FUSEKI_VERSION, fuseki_jar

    assert fuseki_jar().name == f"jena-fuseki-server-{FUSEKI_VERSION}.jar"
    assert fuseki_server.url.startswith("http://127.0.0.1:")
    assert f"[store]\nkind = \"sparql\"\nquery_endpoint = \"{fuseki_server.url}/query\"" in fuseki_server.toml()
