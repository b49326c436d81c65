"""Read-only Cypher through `kg query cypher`, against the real server of the test session."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg import QueryError, ReadOnlyError, load_ontology, open_store
from kg import cypher as cypher_mod
from kg.cli import main
from kg.cypher import check_cypher_read_only, run_cypher
from kg.sync import sync_store

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def synced(built_sink, neo4j_server):
    neo4j_server.wipe()
    sync_store(open_store(built_sink.store), load_ontology(), neo4j_server.settings)
    return neo4j_server


def run(synced, built_sink, monkeypatch, *args):
    for key, value in synced.env().items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, ["query", "cypher", *args, "--config", str(built_sink.config)])


def test_query_with_parameters_as_json(synced, built_sink, monkeypatch):
    result = run(synced, built_sink, monkeypatch, "MATCH (a:Application {label_zh: $name})-[:PROVIDED_BY]->(o) "
                 "RETURN o.label AS provider, a.releaseDate AS released", "--param", "name=文心一言", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"columns": ["provider", "released"], "rows": [["Baidu", "2023-03-16"]]}


def test_nodes_render_as_labels_and_properties_in_csv(synced, built_sink, monkeypatch):
    result = run(synced, built_sink, monkeypatch, "MATCH (r:Region {id: 'china'}) RETURN r.label AS name, r.id AS id",
                 "--format", "csv")
    assert result.stdout.splitlines() == ["name,id", "China,china"]


def test_row_cap(synced):
    result = run_cypher(synced.settings, "MATCH (n) RETURN n.id", max_rows=3)
    assert len(result.rows) == 3 and result.truncated


@pytest.mark.parametrize("query, refused", [
    ("CREATE (n:X) RETURN n", "Cypher CREATE is refused"),
    ("MATCH (n) SET n.x = 1", "Cypher SET is refused"),
    ("MERGE (n:X {id: 1})", "Cypher MERGE is refused"),
    ("LOAD CSV FROM 'http://example.org/x.csv' AS row RETURN row", "Cypher LOAD CSV is refused"),
    ("CALL dbms.security.createUser('x', 'y', false)", "Cypher CALL dbms.security.createUser is refused"),
    ("CALL apoc.load.json('http://example.org')", "Cypher CALL apoc.load.json is refused"),
])
def test_writes_and_network_reaching_queries_are_refused(synced, built_sink, monkeypatch, query, refused):
    result = run(synced, built_sink, monkeypatch, query)
    assert result.exit_code == 1 and result.stderr.startswith(refused)


def test_the_server_refuses_a_write_the_check_missed(synced, monkeypatch):
    monkeypatch.setattr(cypher_mod, "check_cypher_read_only", lambda q: None)
    with pytest.raises(ReadOnlyError, match="Neo4j refused a write in a read-only query"):
        cypher_mod.run_cypher(synced.settings, "CREATE (n:Intruder) RETURN n")
    assert run_cypher(synced.settings, "MATCH (n:Intruder) RETURN count(n)").rows == [[0]]


def test_syntax_error_shows_the_server_message_without_traceback(synced, built_sink, monkeypatch):
    result = run(synced, built_sink, monkeypatch, "MATCH (n RETURN n")
    assert result.exit_code == 1
    assert result.stderr.startswith("Cypher syntax error: Invalid input 'RETURN'")
    assert "Traceback" not in result.output


def test_timeout_stops_a_long_query(synced):
    with pytest.raises(QueryError, match="ran longer than 0.5 s"):
        run_cypher(synced.settings, "UNWIND range(1, 100000000) AS x WITH x WHERE x * x < 0 RETURN count(x)",
                   timeout=0.5)


@pytest.mark.parametrize("query", [
    "MATCH (n {name: 'CREATE'}) RETURN n",
    "MATCH (n) RETURN n.set, n.`delete` // MERGE",
    "MATCH (n) WHERE n.label = $create RETURN n /* DROP */",
    "CALL db.labels()",
])
def test_words_in_strings_comments_and_names_are_not_clauses(query):
    check_cypher_read_only(query)
