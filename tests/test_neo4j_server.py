"""`kg neo4j start|status|stop` on a server of its own, and docker-compose.yml for Docker users."""

from __future__ import annotations

import re

import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT
from kg.cli import main


@pytest.mark.neo4j
def test_start_status_stop_through_the_cli(project, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "start-stop-test")
    project.write_config('\n[neo4j]\nport = 0\nheap = "384m"\n')
    runner = CliRunner()
    args = ["--config", str(project.config)]
    result = runner.invoke(main, ["neo4j", "status", *args])
    assert result.exit_code == 3 and result.stdout.startswith("Neo4j is not running")
    try:
        result = runner.invoke(main, ["neo4j", "start", *args])
        assert result.exit_code == 0, result.output
        assert re.match(r"Neo4j is running at bolt://127\.0\.0\.1:\d+ \(pid \d+", result.stdout)
        result = runner.invoke(main, ["neo4j", "status", *args])
        assert result.exit_code == 0 and "bolt://127.0.0.1:" in result.stdout
        assert (project.root / ".kg" / "neo4j" / "neo4j.log").stat().st_size > 0
    finally:
        result = runner.invoke(main, ["neo4j", "stop", *args])
    assert result.stdout.strip() == "Neo4j stopped"
    assert runner.invoke(main, ["neo4j", "status", *args]).exit_code == 3


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_neo4j_5_with_the_password_from_the_environment(compose):
    neo = compose["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5(\.[\d.]+)?(-community)?", neo["image"])
    auth = neo["environment"]["NEO4J_AUTH"]
    assert auth.startswith("neo4j/${NEO4J_PASSWORD:?")  # refuses to start without a password
    assert {"127.0.0.1:7687:7687", "127.0.0.1:7474:7474"} <= set(neo["ports"])
    assert any(v.endswith(":/data") for v in neo["volumes"])
    assert "cypher-shell" in " ".join(neo["healthcheck"]["test"])


def test_compose_app_is_built_here_and_talks_to_neo4j_by_the_design_variables(compose):
    app = compose["services"]["app"]
    assert app["build"] == "." and (ROOT / "Dockerfile").is_file()
    assert set(app["environment"]) == {"NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"}
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "127.0.0.1:8501:8501" in app["ports"]


def test_no_password_is_committed():
    env_example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^NEO4J_PASSWORD=$", env_example, re.M)
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
