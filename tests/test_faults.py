"""Faults: builds killed at random points, two writers at once, Neo4j killed, down, slow or refusing
the login during a sync. The store is always the old graph or the new one; a sync ends with exit 3
and a clear message, and the next one converges (``kg sync --verify``)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import neo4j
import pyoxigraph as ox
import pytest

from conftest import ROOT
from kg.namespaces import META_GRAPH
from kg.store import current_generation

KG = [sys.executable, "-m", "kg.cli"]
KILL_RUNS = int(os.environ.get("KG_KILL_RUNS", "20"))


def _generate(triples: int, seed: int, out: Path) -> Path:
    spec = importlib.util.spec_from_file_location("kg_bench_generate", ROOT / "bench" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # its dataclasses look their module up
    spec.loader.exec_module(gen)
    gen.generate(triples, seed=seed, out=out)
    return out / "data"


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """A project with two generated datasets (A, B) of ~8k triples; kg.toml reads ./data (a symlink)."""
    root = tmp_path_factory.mktemp("faults")
    a = _generate(8_000, 1, root / "gen-a")
    b = _generate(8_000, 2, root / "gen-b")
    (root / "kg.toml").write_text('[store]\npath = "store"\n\n[[sources]]\nkind = "curated"\npath = "data"\n',
                                  encoding="utf-8")
    return root, a, b


def _use(root: Path, data: Path) -> None:
    link = root / "data"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(data, target_is_directory=True)


def kg(*args, env=None, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*KG, *args], capture_output=True, text=True, env=env, timeout=timeout, **kw)


def digest(store_path: Path) -> str:
    """Hash every quad of the live generation but the build metadata (which holds the build time)."""
    gen = current_generation(store_path)
    assert gen is not None, "CURRENT names no complete generation"
    store = ox.Store.read_only(str(gen))
    def text(term) -> str:  # blank node ids (the ontology's OWL lists) differ from build to build
        return "_:b" if isinstance(term, ox.BlankNode) else str(term)

    try:
        lines = sorted(" ".join(map(text, (q.subject, q.predicate, q.object, q.graph_name))) for q in store
                       if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == META_GRAPH))
    finally:
        del store
    assert lines, "the live generation is empty"
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def test_builds_killed_at_random_points_leave_the_old_or_the_new_graph(twin, tmp_path):
    root, a, b = twin
    config = str(root / "kg.toml")
    store = root / "store"
    digests = {}
    for name, data in (("B", b), ("A", a)):  # the store ends up holding A; B is built aside for its digest
        _use(root, data)
        started = time.monotonic()
        done = kg("build", "-q", "--config", config,
                  *(("--store", str(tmp_path / "b-store")) if name == "B" else ()))
        assert done.returncode == 0, done.stderr
        seconds = time.monotonic() - started
        digests[name] = digest(tmp_path / "b-store" if name == "B" else store)
    assert digests["A"] != digests["B"]
    rng = random.Random(20261130)
    outcomes = {"old": 0, "new": 0}
    holds = "A"
    for _ in range(KILL_RUNS):
        target = "B" if holds == "A" else "A"
        _use(root, b if target == "B" else a)
        proc = subprocess.Popen([*KG, "build", "-q", "--config", config], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, seconds * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = digest(store)  # opens, and is one of the two complete graphs
        assert now in (digests["A"], digests["B"]), "the store is a mix of two builds"
        outcomes["old" if now == digests[holds] else "new"] += 1
        holds = "A" if now == digests["A"] else "B"
        assert proc.returncode == -signal.SIGKILL or now == digests[target]
    print(f"kill loop: {KILL_RUNS} runs, {outcomes['old']} left the old graph, {outcomes['new']} the new one")
    assert outcomes["old"] >= 1  # the loop really interrupted builds (seeded: not an accident of timing)
    target = "B" if holds == "A" else "A"
    _use(root, b if target == "B" else a)
    done = kg("build", "-q", "--config", config)
    assert done.returncode == 0, done.stderr
    assert digest(store) == digests[target]
    assert len([p for p in store.iterdir() if p.name.startswith("gen-")]) <= 2  # killed leftovers removed


def _wait_for(predicate, what: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"{what}: the process ended first (exit {proc.returncode}): {err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def _holds(lock: Path, pid: int) -> bool:
    """Whether process ``pid`` holds ``lock`` (a killed holder leaves its pid in the file, unlocked)."""
    try:
        return lock.read_text().strip() == f"pid {pid}"
    except FileNotFoundError:
        return False


def test_two_builds_at_once_one_is_refused_naming_the_other_and_the_store_is_whole(twin):
    root, a, _ = twin
    _use(root, a)
    config = str(root / "kg.toml")
    first = subprocess.Popen([*KG, "build", "-q", "--config", config], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _holds(root / "store" / "LOCK", first.pid), "the first build to take the lock", proc=first)
    second = kg("build", "-q", "--config", config)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert second.stderr.strip() == (f"the store at {root / 'store'} is being written by pid {first.pid}; "
                                     "wait for it to finish and run the command again")
    digest(root / "store")
    assert kg("build", "-q", "--config", config).returncode == 0  # the lock was released


# --- Neo4j faults --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synced_twin(twin, neo4j_server):
    """The twin project built with dataset A (its store), for sync fault tests."""
    root, a, _ = twin
    _use(root, a)
    done = kg("build", "-q", "--config", str(root / "kg.toml"))
    assert done.returncode == 0, done.stderr
    return root


def _env(server, **extra) -> dict:
    env = dict(os.environ, **server.env(), **extra)
    env.pop("KG_CONFIG", None)
    return env


def _resource_count(server) -> int:
    with neo4j.GraphDatabase.driver(server.settings.uri, auth=("neo4j", server.settings.password)) as driver:
        return driver.execute_query("MATCH (n:Resource) RETURN count(n) AS n")[0][0]["n"]


def _verify(root: Path, server) -> None:
    done = kg("sync", "--verify", "--config", str(root / "kg.toml"), env=_env(server))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "in step" in done.stdout


@pytest.mark.neo4j
def test_neo4j_killed_mid_sync_exits_3_unreachable_exits_3_and_the_next_sync_converges(synced_twin, neo4j_db):
    root, server = synced_twin, neo4j_db
    config = str(root / "kg.toml")
    sync = subprocess.Popen([*KG, "sync", "--batch-size", "100", "--config", config], env=_env(server),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _resource_count(server) > 0, "the sync to write its first batch", proc=sync)
        server.kill()
        out, err = sync.communicate(timeout=300)
        assert sync.returncode == 3, err
        assert "Traceback" not in err
        assert err.strip().startswith(f"Neo4j at {server.settings.uri} ")
        assert "run the command again" in err.lower() or "converges when run again" in err
        down = kg("sync", "--config", config, env=_env(server))  # the server is down: unreachable
        assert down.returncode == 3
        assert f"Neo4j at {server.settings.uri} is unreachable" in down.stderr
        assert "kg neo4j start" in down.stderr and "Traceback" not in down.stderr
    finally:
        if sync.poll() is None:
            sync.kill()
        server.start()  # a restart: later tests still have a server (on a new port)
    _verify(root, server)


@pytest.mark.neo4j
def test_a_sync_held_past_its_timeout_by_another_transaction_exits_3_and_then_converges(synced_twin, neo4j_db):
    root, server = synced_twin, neo4j_db
    config = str(root / "kg.toml")
    assert kg("sync", "-q", "--config", config, env=_env(server)).returncode == 0
    with neo4j.GraphDatabase.driver(server.settings.uri, auth=("neo4j", server.settings.password)) as driver:
        with driver.session() as session:
            tx = session.begin_transaction()
            tx.run("MATCH (n:Resource) SET n.heldByTest = true").consume()  # write locks on every node
            try:
                slow = kg("sync", "--full", "--config", config, env=_env(server, NEO4J_TIMEOUT="3"), timeout=120)
            finally:
                tx.rollback()
    assert slow.returncode == 3, slow.stderr
    assert "did not finish a transaction within 3 s" in slow.stderr
    assert "another client may hold locks" in slow.stderr and "Traceback" not in slow.stderr
    _verify(root, server)


@pytest.mark.neo4j
def test_a_password_revoked_during_a_sync_exits_3_and_the_sync_converges_once_restored(synced_twin, neo4j_db):
    root, server = synced_twin, neo4j_db
    config = str(root / "kg.toml")
    old, new = server.settings.password, server.settings.password + "-rotated"

    def set_password(current: str, value: str) -> None:
        with neo4j.GraphDatabase.driver(server.settings.uri, auth=("neo4j", current)) as driver:
            driver.execute_query("ALTER USER neo4j SET PASSWORD $p CHANGE NOT REQUIRED", p=value,
                                 database_="system")

    sync = subprocess.Popen([*KG, "sync", "--batch-size", "100", "--config", config], env=_env(server),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _resource_count(server) > 0, "the sync to write its first batch", proc=sync)
        set_password(old, new)
        try:
            out, err = sync.communicate(timeout=300)
            # A connection that logged in before the change may finish its work; if the sync needed a
            # new one it was refused: exit 3 with the reason, never a traceback.
            assert sync.returncode in (0, 3), err
            assert "Traceback" not in err
            if sync.returncode == 3:
                assert "refused the login of user 'neo4j'" in err and "NEO4J_PASSWORD" in err
            again = kg("sync", "--config", config, env=_env(server))  # the old password: refused now
            assert again.returncode == 3
            assert again.stderr.strip().startswith(f"Neo4j at {server.settings.uri} refused the login of user 'neo4j'")
            assert old not in again.stderr and new not in again.stderr  # no password in messages
        finally:
            set_password(new, old)
            _await_login(server)
    finally:
        if sync.poll() is None:
            sync.kill()
    _verify(root, server)


def _await_login(server, timeout: float = 60.0) -> None:
    """Wait until the restored password is accepted: failed logins lock the user for a few seconds,
    and the next test's sync must not meet that lock."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with neo4j.GraphDatabase.driver(server.settings.uri, auth=("neo4j", server.settings.password)) as driver:
                driver.verify_connectivity()
            return
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError):
            if time.monotonic() > deadline:
                raise
            time.sleep(2.0)


@pytest.mark.neo4j
def test_two_syncs_at_once_one_is_refused_naming_the_other(synced_twin, neo4j_db):
    root, server = synced_twin, neo4j_db
    config = str(root / "kg.toml")
    # small batches: the first sync must still hold its lock while the second starts up (about a second)
    first = subprocess.Popen([*KG, "sync", "--batch-size", "5", "--config", config], env=_env(server),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _holds(root / "store" / "SYNC.LOCK", first.pid), "the first sync to take its lock",
              proc=first)
    second = kg("sync", "--config", config, env=_env(server))
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert second.stderr.strip() == (f"the store at {root / 'store'} is being synced to Neo4j by pid {first.pid}; "
                                     "wait for it to finish and run the command again")
    _verify(root, server)
