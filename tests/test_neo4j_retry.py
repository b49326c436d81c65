"""Neo4j beyond one box: batch writes retried on a real transient failure, routing URIs and the
configured database, against the real server of the test session."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import neo4j
import pytest
from click.testing import CliRunner

from kg import load_config, load_ontology, open_store
from kg.cli import main
from kg.neo4j_client import is_transient
from kg.sync import CONSTRAINT, neo4j_settings, sync_store, verify_sync

pytestmark = pytest.mark.neo4j

BAIDU = "https://w3id.org/aigc-kg/resource/org/baidu"


def driver_for(settings):
    return neo4j.GraphDatabase.driver(settings.uri, auth=("neo4j", settings.password))


def terminate_blocked_sync_transaction(driver, timeout: float = 60.0) -> str:
    """Wait until a sync batch waits for a lock, terminate its transaction; return its id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD transactionId, currentQuery, status "
            "WHERE currentQuery CONTAINS 'UNWIND $rows AS row' AND status STARTS WITH 'Blocked' "
            "RETURN transactionId", database_="neo4j")
        if rows:
            tx_id = rows[0]["transactionId"]
            driver.execute_query("TERMINATE TRANSACTION $id", id=tx_id, database_="neo4j")
            return tx_id
        time.sleep(0.05)
    raise AssertionError("the sync's batch never waited for the lock")


def test_a_batch_terminated_by_the_server_is_retried_and_the_sync_completes(built_sink, neo4j_db):
    """A second transaction holds the uniqueness lock of a node the sync creates; the sync's batch
    waits for it, an administrator terminates the batch's transaction (what a leader switch does
    to a cluster member's transactions), and the sync runs the batch again."""
    store, onto = open_store(built_sink.store), load_ontology()
    settings = replace(neo4j_db.settings, retry_time=30.0)
    with driver_for(settings) as driver:
        driver.execute_query(CONSTRAINT)
        with driver.session(database="neo4j") as blocker_session:
            blocker = blocker_session.begin_transaction()
            blocker.run("CREATE (:Resource {uri: $uri})", uri=BAIDU).consume()  # uncommitted: holds the lock
            outcome = {}

            def run_sync():
                try:
                    outcome["result"] = sync_store(store, onto, settings)
                except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
                    outcome["error"] = exc

            thread = threading.Thread(target=run_sync)
            thread.start()
            try:
                terminate_blocked_sync_transaction(driver)
            finally:
                blocker.rollback()
            thread.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert result.retries >= 1
    # Neo4j 5.26 answers a transaction terminated while it waits for a lock with LockClientStopped
    # (Neo.TransientError.*, which the driver reclassifies as a client error), else Terminated
    assert any(f"retried after Neo.ClientError.Transaction.{code}" in note for note in result.notes
               for code in ("LockClientStopped", "Terminated")), result.notes
    assert result.nodes_written == result.nodes_total == 19
    rows = neo4j_db_rows(settings, "MATCH (n:Resource {uri: $uri}) RETURN count(n) AS n", uri=BAIDU)
    assert rows == [{"n": 1}]
    check = verify_sync(store, onto, settings)
    assert check.ok, check
    again = sync_store(store, onto, settings)  # and nothing is left to write
    assert again.nodes_written == 0 and again.retries == 0


def test_a_retried_batch_does_not_write_twice(built_sink, neo4j_db):
    """A retry MERGEs: the batch run again over its own committed writes (a commit whose
    acknowledgement was lost) leaves one node per uri and one relationship per fact."""
    from kg.neo4j_client import connect, run_write
    from kg.pgmap import iter_nodes
    from kg.sync import _Planner, batch_work

    store, onto = open_store(built_sink.store), load_ontology()
    settings = neo4j_db.settings
    batch = _Planner({}, lambda uri: False).batch(list(iter_nodes(store, onto, [])))
    with connect(settings) as driver:
        run_write(driver, settings, lambda tx: tx.run(CONSTRAINT).consume())
        run_write(driver, settings, batch_work(batch, attempt=0))
        first = verify_sync(store, onto, settings)
        run_write(driver, settings, batch_work(batch, attempt=1))  # as a retry runs it
    again = verify_sync(store, onto, settings)
    assert first.ok and again.ok and again.rels == first.rels and sum(again.rels.values()) > 0
    assert neo4j_db_rows(settings, "MATCH (n:Resource) WITH n.uri AS uri, count(*) AS c WHERE c > 1 "
                                   "RETURN uri") == []


def test_run_write_retried_runs_the_work_again_after_a_transient_failure(neo4j_db):
    from kg.neo4j_client import connect, run_write_retried

    attempts, retried = [], []

    def work_for(attempt):
        attempts.append(attempt)

        def work(tx):
            tx.run("CREATE (:Probe {attempt: $a})", a=attempt).consume()
            if attempt == 0:  # the driver's own class for a connection lost mid-transaction
                raise neo4j.exceptions.SessionExpired("injected after a write")
            return attempt
        return work

    with connect(neo4j_db.settings) as driver:
        assert run_write_retried(driver, neo4j_db.settings, work_for, on_retry=retried.append) == 1
    assert attempts == [0, 1] and len(retried) == 1
    # the failed attempt was rolled back
    assert neo4j_db_rows(neo4j_db.settings, "MATCH (p:Probe) RETURN p.attempt AS a") == [{"a": 1}]


def neo4j_db_rows(settings, query, **params):
    with driver_for(settings) as driver:
        return [r.data() for r in driver.execute_query(query, params, database_="neo4j")[0]]


def test_transient_failures_are_recognised():
    assert is_transient(neo4j.exceptions.SessionExpired("x"))
    assert is_transient(neo4j.exceptions.ServiceUnavailable("x"))
    assert not is_transient(ValueError("x"))


def test_cli_sync_over_a_routing_uri_verifies_in_step(built_sink, neo4j_db, monkeypatch):
    for key, value in neo4j_db.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NEO4J_URI", neo4j_db.settings.uri.replace("bolt://", "neo4j://"))
    result = CliRunner().invoke(main, ["sync", "--verify", "--config", str(built_sink.config)])
    assert result.exit_code == 0, result.output
    assert "synced 19 nodes to neo4j://127.0.0.1:" in result.stdout and "in step" in result.stdout


def test_the_database_comes_from_the_environment_else_kg_toml(sink, neo4j_db, monkeypatch):
    sink.write_config('\n[neo4j]\ndatabase = "graphdb"\n')
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    assert neo4j_settings(load_config(sink.config)).database == "graphdb"
    monkeypatch.setenv("NEO4J_DATABASE", "neo4j")
    assert neo4j_settings(load_config(sink.config)).database == "neo4j"
    # a configured database the server lacks: exit 3, naming it
    for key, value in neo4j_db.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NEO4J_DATABASE")
    assert CliRunner().invoke(main, ["build", "-q", "--config", str(sink.config)]).exit_code == 0
    result = CliRunner().invoke(main, ["sync", "--config", str(sink.config)])
    assert result.exit_code == 3 and "has no database 'graphdb'" in result.stderr
