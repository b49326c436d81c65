"""Shared fixtures: throwaway project folders built from the test datasets."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
KITCHEN_SINK = DATA / "kitchen_sink"
BAD = DATA / "bad"
# The real third-party datasets (../shared/data: Epoch AI's CSV, Ecosystem Graphs' asset cards);
# read in place, never copied into the repository. KG_SHARED_DIR points elsewhere (.ci/run sets it).
SHARED = Path(os.environ.get("KG_SHARED_DIR") or ROOT.parent / "shared")


class Project:
    """A project folder: kg.toml, a copy of some curated files, and a store."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.store = root / ".kg" / "store"
        self.config = root / "kg.toml"
        self.data.mkdir(parents=True, exist_ok=True)
        self.write_config()

    def write_config(self, extra: str = "") -> None:
        self.config.write_text(
            f'[store]\npath = ".kg/store"\n\n[[sources]]\nkind = "curated"\npath = "data"\n{extra}',
            encoding="utf-8")

    def add(self, *paths: Path) -> None:
        """Copy files (or every file of folders) into the project's data folder."""
        for path in paths:
            for src in ([path] if path.is_file() else sorted(path.iterdir())):
                shutil.copy(src, self.data / src.name)

    def store_fingerprint(self) -> str:
        """Hash the store's pointer and every file of its live generation (to prove 'untouched')."""
        digest = hashlib.sha256()
        current = self.store / "CURRENT"
        if not current.exists():
            return "no store"
        digest.update(current.read_bytes())
        gen = self.store / current.read_text().strip()
        for f in sorted(p for p in gen.rglob("*") if p.is_file() and p.name != "LOCK"):
            digest.update(f.name.encode())
            digest.update(f.read_bytes())
        return digest.hexdigest()


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty project folder with a kg.toml reading ./data."""
    return Project(tmp_path / "proj")


@pytest.fixture
def sink(project) -> Project:
    """A project holding the kitchen-sink dataset (every class and property), not yet built."""
    project.add(KITCHEN_SINK)
    return project


@pytest.fixture(scope="session")
def built_sink(tmp_path_factory):
    """A kitchen-sink project built once for the session (read-only tests share it)."""
    from kg import build_graph, load_config

    proj = Project(tmp_path_factory.mktemp("sink") / "proj")
    proj.add(KITCHEN_SINK)
    build_graph(load_config(proj.config))
    return proj


@pytest.fixture(scope="session")
def curated(tmp_path_factory) -> Path:
    """A project folder whose store holds the shipped curated graph (data/curated), built once."""
    from click.testing import CliRunner

    from kg.cli import main

    project = tmp_path_factory.mktemp("curated")
    (project / "kg.toml").write_text(f'[store]\npath = ".kg/store"\n\n[[sources]]\nkind = "curated"\n'
                                     f'path = "{ROOT / "data" / "curated"}"\n', encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "-q", "--config", str(project / "kg.toml")]).exit_code == 0
    return project


class LocalNeo4j:
    """The real Neo4j server of the test session (started once, restartable by fault tests)."""

    password_env = "KG_TEST_NEO4J_PASSWORD"

    def __init__(self, state: Path):
        import secrets

        self.state = state
        os.environ[self.password_env] = "test-" + secrets.token_hex(8)
        self.settings = None

    def start(self):
        from kg.neo4j_client import Neo4jSettings
        from kg.neo4j_server import start_server

        status = start_server(self.state, port=0, password_env=self.password_env)
        self.settings = Neo4jSettings(uri=status.uri, password=os.environ[self.password_env], retry_time=2.0)
        return self

    def stop(self):
        from kg.neo4j_server import stop_server

        stop_server(self.state)

    def kill(self):
        from kg.neo4j_server import kill_server

        kill_server(self.state)

    def env(self) -> dict:
        """The NEO4J_* variables that point the CLI at this server."""
        return {"NEO4J_URI": self.settings.uri, "NEO4J_USER": "neo4j",
                "NEO4J_PASSWORD": self.settings.password, "NEO4J_DATABASE": "neo4j"}

    def wipe(self):
        """Delete every node and relationship (tests start from an empty graph)."""
        import neo4j

        with neo4j.GraphDatabase.driver(self.settings.uri, auth=("neo4j", self.settings.password)) as driver:
            driver.execute_query("MATCH (n) DETACH DELETE n")


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """Start the local Neo4j once for the session (built by Maven on first use) and stop it at the end."""
    server = LocalNeo4j(tmp_path_factory.mktemp("neo4j")).start()
    yield server
    server.stop()


@pytest.fixture
def neo4j_db(neo4j_server):
    """The session's Neo4j, emptied for this test."""
    neo4j_server.wipe()
    return neo4j_server


@pytest.fixture(scope="session")
def fuseki_server(tmp_path_factory):
    """Start a real Apache Jena Fuseki (from Maven Central, in-memory dataset) once for the session."""
    from kg.fuseki_server import start_fuseki, stop_fuseki

    state = tmp_path_factory.mktemp("fuseki")
    status = start_fuseki(state, port=0, memory=True)
    yield status
    stop_fuseki(state)
