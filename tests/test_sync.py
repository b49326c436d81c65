"""RDF -> Neo4j against the real server of the test session: mapping, idempotence, increments,
removals, a server killed mid-sync, and the errors a user meets."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import neo4j
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import ServiceError, build_graph, load_config, load_ontology, open_store
from kg.cli import main
from kg.namespaces import AIGC, RESOURCE
from kg.neo4j_client import Neo4jSettings
from kg.pgmap import map_graph
from kg.sync import sync_store, verify_sync

pytestmark = pytest.mark.neo4j


def dump(settings: Neo4jSettings):
    """The whole Neo4j graph as comparable data."""
    with neo4j.GraphDatabase.driver(settings.uri, auth=("neo4j", settings.password)) as driver:
        nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
        rels, _, _ = driver.execute_query(
            "MATCH (a)-[r]->(b) RETURN a.uri AS a, type(r) AS t, b.uri AS b, properties(r) AS p")
    # every property but the marker's time of the sync
    return (sorted((sorted(r["l"]), sorted((k, repr(v)) for k, v in r["p"].items() if k != "syncedAt"))
                   for r in nodes),
            sorted((r["a"], r["t"], r["b"], sorted(r["p"].items())) for r in rels))


def cypher(settings: Neo4jSettings, query: str, **params):
    with neo4j.GraphDatabase.driver(settings.uri, auth=("neo4j", settings.password)) as driver:
        return [r.data() for r in driver.execute_query(query, params)[0]]


@pytest.fixture
def sink_store(sink):
    config = load_config(sink.config)
    build_graph(config)
    return config


def test_nodes_get_class_superclass_and_resource_labels_and_typed_properties(built_sink, neo4j_db):
    sync_store(open_store(built_sink.store), load_ontology(), neo4j_db.settings)
    [row] = cypher(neo4j_db.settings, "MATCH (n:Resource {id: 'baidu'}) RETURN labels(n) AS labels, n AS n")
    assert sorted(row["labels"]) == ["Company", "Organization", "Resource"]
    node = row["n"]
    assert node["label"] == "Baidu" and node["label_zh"] == "百度" and node["label_en"] == "Baidu"
    assert node["aliases"] == ["Baidu Inc.", "百度公司"]
    assert node["foundedDate"] == "2000-01"  # a partial date stays ISO text
    assert node["sources"] == ["curated/organizations"]
    [model] = cypher(neo4j_db.settings, "MATCH (m:Model {id: 'ernie-speed'}) RETURN m.parameterCount AS p, "
                                        "m.openWeights AS w, m.releaseDate AS d")
    assert model == {"p": 175000000000, "w": False, "d": "2024"}
    [app] = cypher(neo4j_db.settings, "MATCH (a:Application {id: 'ernie-bot'}) RETURN a.releaseDate AS d")
    assert app["d"] == neo4j.time.Date(2023, 3, 16)
    [fund] = cypher(neo4j_db.settings, "MATCH (f:FundingEvent) RETURN f.amount AS a")
    assert fund["a"] == 1000000.5


def test_relationships_are_upper_snake_case_with_sources(built_sink, neo4j_db):
    sync_store(open_store(built_sink.store), load_ontology(), neo4j_db.settings)
    rows = cypher(neo4j_db.settings, "MATCH (:Model {id: 'ernie-speed'})-[r]->(b) RETURN type(r) AS t, "
                                     "b.id AS b, r.sources AS s ORDER BY t, b")
    assert [(r["t"], r["b"]) for r in rows] == [
        ("BASED_ON", "ernie-3-5"), ("DEVELOPED_BY", "baidu"), ("DEVELOPED_BY", "baidu-research"),
        ("SERVES_INDUSTRY", "office")]
    assert {tuple(r["s"]) for r in rows} == {("curated/models",)}


def test_uri_uniqueness_constraint_exists_after_sync(built_sink, neo4j_db):
    sync_store(open_store(built_sink.store), load_ontology(), neo4j_db.settings)
    rows = cypher(neo4j_db.settings, "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type")
    assert {"labelsOrTypes": ["Resource"], "properties": ["uri"], "type": "UNIQUENESS"} in rows


def test_second_sync_writes_nothing(built_sink, neo4j_db):
    store, onto = open_store(built_sink.store), load_ontology()
    first = sync_store(store, onto, neo4j_db.settings)
    assert first.nodes_written == first.nodes_total == 19 and first.written > 0
    second = sync_store(store, onto, neo4j_db.settings)
    assert second.nodes_written == 0 and second.written == 0
    assert second.graphs_skipped == 6  # every source graph's digest is unchanged: none is read


def test_a_rebuild_of_unchanged_sources_is_skipped_and_full_compares_everything(sink_store, sink, neo4j_db):
    onto = load_ontology()
    sync_store(open_store(sink.store), onto, neo4j_db.settings)
    build_graph(sink_store)  # a new store generation with the same content
    again = sync_store(open_store(sink.store), onto, neo4j_db.settings)
    assert (again.graphs_skipped, again.nodes_total, again.written) == (6, 0, 0)
    full = sync_store(open_store(sink.store), onto, neo4j_db.settings, full=True)
    assert full.nodes_total == full.nodes_written == 19


def test_changes_and_removals_propagate_and_only_changed_nodes_are_written(sink_store, sink, neo4j_db):
    onto = load_ontology()
    sync_store(open_store(sink.store), onto, neo4j_db.settings)
    models = (sink.data / "models.yaml").read_text(encoding="utf-8")
    models = models.replace("  parameterCount: 175000000000\n", "").replace("license: proprietary", "license: custom")
    models = models.replace("  basedOn: ernie-3-5\n", "")
    (sink.data / "models.yaml").write_text(models, encoding="utf-8")
    (sink.data / "policies.yaml").write_text(
        (sink.data / "policies.yaml").read_text(encoding="utf-8").split("- id: funding-1")[0], encoding="utf-8")
    build_graph(sink_store)
    result = sync_store(open_store(sink.store), onto, neo4j_db.settings)
    # ernie-speed changed; funding-1 was removed (and with it the edges of some-capital? no: edges
    # point from the event, so only the event goes)
    assert result.nodes_written == 1 and result.nodes_deleted == 1
    [m] = cypher(neo4j_db.settings, "MATCH (m {id: 'ernie-speed'}) RETURN m.parameterCount AS p, m.license AS l, "
                                    "[(m)-[:BASED_ON]->(b) | b.id] AS based")
    assert m == {"p": None, "l": "custom", "based": []}
    assert cypher(neo4j_db.settings, "MATCH (f:FundingEvent) RETURN count(f) AS n") == [{"n": 0}]
    assert verify_sync(open_store(sink.store), onto, neo4j_db.settings, sample=100).ok


def test_a_class_change_replaces_the_labels(sink_store, sink, neo4j_db):
    onto = load_ontology()
    sync_store(open_store(sink.store), onto, neo4j_db.settings)
    orgs = (sink.data / "organizations.yaml").read_text(encoding="utf-8")
    (sink.data / "organizations.yaml").write_text(orgs.replace("kind: InvestmentFirm", "kind: Company"), encoding="utf-8")
    build_graph(sink_store)
    sync_store(open_store(sink.store), onto, neo4j_db.settings)
    [row] = cypher(neo4j_db.settings, "MATCH (n {id: 'some-capital'}) RETURN labels(n) AS l")
    assert sorted(row["l"]) == ["Company", "Organization", "Resource"]


def test_a_sync_killed_half_way_converges_to_the_uninterrupted_result(sink_store, sink, neo4j_db):
    store, onto = open_store(sink.store), load_ontology()
    batches = []

    def kill_after_three(message):
        batches.append(message)
        if len(batches) == 3:
            neo4j_db.kill()

    with pytest.raises(ServiceError, match="unreachable"):
        sync_store(store, onto, neo4j_db.settings, batch_size=2, progress=kill_after_three)
    neo4j_db.start()  # same data folder: the committed batches survived the crash
    [row] = cypher(neo4j_db.settings, "MATCH (n:Resource) RETURN count(n) AS nodes, count(n.syncHash) AS complete")
    assert 0 < row["nodes"] < 19  # the crash came half way
    # a node gets its hash once its relationships exist: the nodes without one are rewritten
    resumed = sync_store(store, onto, neo4j_db.settings, batch_size=2)
    assert resumed.nodes_written == 19 - row["complete"]
    after_resume = dump(neo4j_db.settings)
    neo4j_db.wipe()
    sync_store(store, onto, neo4j_db.settings)
    assert dump(neo4j_db.settings) == after_resume


def test_cli_sync_verify_reports_in_step_and_finds_a_tampered_value(built_sink, neo4j_db, monkeypatch):
    for key, value in neo4j_db.env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["sync", "--verify", "--config", str(built_sink.config)])
    assert result.exit_code == 0, result.output
    assert "synced 19 nodes" in result.stdout
    assert result.stdout.rstrip().endswith("19 nodes' values sampled: in step")
    # A change made in Neo4j behind the sync's back keeps the node's hash, so a sync does not see
    # it; --verify does, and --full rewrites everything.
    cypher(neo4j_db.settings, "MATCH (n {id: 'baidu'}) SET n.label_en = 'Tampered'")
    result = CliRunner().invoke(main, ["sync", "--verify", "--quiet", "--config", str(built_sink.config)])
    assert result.exit_code == 1
    assert f"  - {RESOURCE}org/baidu: properties differ: label_en" in result.stdout
    assert "DIFFERENT: 0 label count(s), 0 relationship count(s), 1 value difference(s)" in result.stdout
    result = CliRunner().invoke(main, ["sync", "--full", "--verify", "--config", str(built_sink.config)])
    assert result.exit_code == 0 and "synced 19 nodes" in result.stdout and "19 written" in result.stdout


@pytest.mark.parametrize("uri", [
    "bolt://127.0.0.1:9",
    # neo4j+s:// (Aura, clusters) takes the same code path: nothing assumes bolt or localhost. No
    # TLS server runs here, so the connection fails, cleanly, naming the URI it tried.
    "neo4j+s://127.0.0.1:9",
])
def test_neo4j_not_running_exits_3_and_says_how_to_start(built_sink, monkeypatch, uri):
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_PASSWORD", "x")
    result = CliRunner().invoke(main, ["sync", "--config", str(built_sink.config)])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Neo4j at {uri} is unreachable")
    assert "start the local server with `kg neo4j start`" in result.stderr
    assert "Traceback" not in result.output


def test_wrong_password_exits_3(built_sink, neo4j_server, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.settings.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong-password")
    result = CliRunner().invoke(main, ["sync", "--config", str(built_sink.config)])
    assert result.exit_code == 3
    assert "refused the login of user 'neo4j'" in result.stderr and "check NEO4J_USER and NEO4J_PASSWORD" in result.stderr


def test_missing_database_exits_3(built_sink, neo4j_server, monkeypatch):
    for key, value in neo4j_server.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NEO4J_DATABASE", "nosuchdb")
    result = CliRunner().invoke(main, ["sync", "--config", str(built_sink.config)])
    assert result.exit_code == 3
    assert "has no database 'nosuchdb'" in result.stderr


def test_routing_uri_scheme_works_against_a_single_server(built_sink, neo4j_db):
    settings = replace(neo4j_db.settings, uri=neo4j_db.settings.uri.replace("bolt://", "neo4j://"))
    result = sync_store(open_store(built_sink.store), load_ontology(), settings)
    assert result.nodes_written == 19


def test_values_neo4j_cannot_store_are_kept_as_text_and_reported():
    store = ox.Store()
    g = ox.NamedNode("https://w3id.org/aigc-kg/graph/x")
    m = ox.NamedNode(RESOURCE + "model/huge")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    store.extend([
        ox.Quad(m, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(str(AIGC.Model)), g),
        ox.Quad(m, ox.NamedNode(str(AIGC.parameterCount)), ox.Literal("99999999999999999999999", datatype=ox.NamedNode(xsd + "integer")), g),
        ox.Quad(m, ox.NamedNode(str(AIGC.releaseDate)), ox.Literal("2023-02-30", datatype=ox.NamedNode(xsd + "date")), g),
        ox.Quad(m, ox.NamedNode(str(AIGC.license)), ox.Literal("MIT"), g),
        ox.Quad(m, ox.NamedNode(str(AIGC.license)), ox.Literal("42", datatype=ox.NamedNode(xsd + "integer")), g),
    ])
    mapped = map_graph(store, load_ontology())
    props = mapped.nodes[m.value].props
    assert props["parameterCount"] == "99999999999999999999999"
    assert props["releaseDate"] == "2023-02-30"
    assert props["license"] == ["42", "MIT"]
    assert sorted(n.split(" ", 1)[1].split(":")[0] for n in mapped.notes) == ["license", "parameterCount", "releaseDate"]
    assert any("is beyond Neo4j's 64-bit integers; stored as text" in n for n in mapped.notes)


def test_dates_map_to_neo4j_dates():
    store = ox.Store()
    m = ox.NamedNode(RESOURCE + "model/d")
    g = ox.NamedNode("https://w3id.org/aigc-kg/graph/x")
    store.extend([
        ox.Quad(m, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(str(AIGC.Model)), g),
        ox.Quad(m, ox.NamedNode(str(AIGC.releaseDate)), ox.Literal("2024-05-13", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#date")), g)])
    assert map_graph(store, load_ontology()).nodes[m.value].props["releaseDate"] == dt.date(2024, 5, 13)


def test_settings_come_from_the_environment():
    settings = Neo4jSettings.from_env({"NEO4J_URI": "neo4j+s://abc.databases.neo4j.io", "NEO4J_USER": "u",
                                       "NEO4J_PASSWORD": "p", "NEO4J_DATABASE": "graph"})
    assert (settings.uri, settings.user, settings.password, settings.database) == (
        "neo4j+s://abc.databases.neo4j.io", "u", "p", "graph")
    assert Neo4jSettings.from_env({}).uri == "bolt://127.0.0.1:7687"


def test_the_whole_store_scan_and_per_subject_lookups_map_alike(sink_store, sink, monkeypatch):
    """A sync of most of the store reads it graph by graph; of a few subjects, one lookup each."""
    from kg import pgmap

    store, onto = open_store(sink.store), load_ontology()
    # one subject with facts in two graphs: held until every graph was read
    orgs = (sink.data / "organizations.yaml").read_text(encoding="utf-8")
    extra = ox.Quad(ox.NamedNode(RESOURCE + "org/some-capital"), ox.NamedNode(str(AIGC.foundedDate)),
                    ox.Literal("2001", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
                    ox.NamedNode("https://w3id.org/aigc-kg/graph/curated/models"))
    assert "some-capital" in orgs
    copy = ox.Store()
    copy.extend(store.quads_for_pattern(None, None, None, None))
    copy.add(extra)
    scanned = map_graph(copy, onto)
    monkeypatch.setattr(pgmap, "_SCAN_SHARE", 1.0)  # never scan: look every subject up
    looked_up = map_graph(copy, onto)
    assert len(scanned.nodes) == 19
    assert {u: (n.labels, n.props, n.rels, n.hash) for u, n in scanned.nodes.items()} == \
        {u: (n.labels, n.props, n.rels, n.hash) for u, n in looked_up.nodes.items()}
    capital = scanned.nodes[RESOURCE + "org/some-capital"]
    assert capital.props["foundedDate"] == "2001" and len(capital.sources) == 2


def test_a_node_deleted_by_hand_is_reported_and_a_full_sync_repairs_it(sink_store, sink, neo4j_db):
    onto = load_ontology()
    sync_store(open_store(sink.store), onto, neo4j_db.settings)
    # someone deletes an organisation in Neo4j; then the models file changes, whose models point to it
    cypher(neo4j_db.settings, "MATCH (n {id: 'baidu'}) DETACH DELETE n")
    models = (sink.data / "models.yaml").read_text(encoding="utf-8")
    (sink.data / "models.yaml").write_text(models.replace("license: proprietary", "license: custom"), encoding="utf-8")
    build_graph(sink_store)
    with pytest.raises(ServiceError, match=r"end nodes are missing in Neo4j.*kg sync --full"):
        sync_store(open_store(sink.store), onto, neo4j_db.settings)
    sync_store(open_store(sink.store), onto, neo4j_db.settings, full=True)
    assert verify_sync(open_store(sink.store), onto, neo4j_db.settings, sample=100).ok
    after_repair = dump(neo4j_db.settings)
    neo4j_db.wipe()
    sync_store(open_store(sink.store), onto, neo4j_db.settings)
    assert dump(neo4j_db.settings) == after_repair


def test_a_batch_past_the_relationship_limit_is_split_and_the_nodes_get_their_hash_last():
    from kg.sync import _Batch, split_batch

    batch = _Batch(created=[{"props": {"uri": "u:a", "syncHash": "ha"}, "labels": ["Resource"]},
                            {"props": {"uri": "u:b"}, "labels": ["Resource"]}],  # b waits for a later batch
                   updated=[{"uri": "u:c", "props": {"uri": "u:c", "syncHash": "hc"}, "labels": [], "drop": []}],
                   rels=[[f"u:{i}", "R", "u:a", []] for i in range(7)], done=[{"uri": "u:z", "hash": "hz"}])
    assert split_batch(batch, 7) == [batch]
    parts = split_batch(batch, 3)
    assert [len(p.rels) for p in parts] == [3, 3, 1] and [r for p in parts for r in p.rels] == batch.rels
    assert [p.nodes for p in parts] == [3, 0, 0]
    assert all("syncHash" not in row["props"] for row in parts[0].created + parts[0].updated)
    assert parts[0].done == parts[1].done == []
    assert parts[-1].done == [{"uri": "u:z", "hash": "hz"}, {"uri": "u:a", "hash": "ha"}, {"uri": "u:c", "hash": "hc"}]


def test_split_batches_write_what_one_transaction_writes_and_a_failure_between_parts_converges(
        sink_store, sink, neo4j_db, monkeypatch):
    import kg.sync as S

    store, onto = open_store(sink.store), load_ontology()
    sync_store(store, onto, neo4j_db.settings, batch_size=100)  # one batch, one transaction
    whole = dump(neo4j_db.settings)
    neo4j_db.wipe()
    monkeypatch.setattr(S, "MAX_RELS_PER_TX", 2)
    real, calls = S.batch_work, []

    def fail_on_the_fourth_part(batch, attempt=0):
        calls.append(batch)
        if len(calls) == 4:
            raise ServiceError("injected failure between the parts of a split batch")
        return real(batch, attempt)

    monkeypatch.setattr(S, "batch_work", fail_on_the_fourth_part)
    with pytest.raises(ServiceError, match="injected"):
        sync_store(store, onto, neo4j_db.settings, batch_size=100)
    [row] = cypher(neo4j_db.settings, "MATCH (n:Resource) RETURN count(n) AS nodes, count(n.syncHash) AS complete")
    assert row["nodes"] == 19 and row["complete"] == 0  # written by the first part, no hash yet
    monkeypatch.setattr(S, "batch_work", real)
    resumed = sync_store(store, onto, neo4j_db.settings, batch_size=100)
    assert resumed.nodes_written == 19 and resumed.batches == 1
    assert dump(neo4j_db.settings) == whole
