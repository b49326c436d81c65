"""Secrets and exposure: no credential in the repository, none in logs or messages, loopback binds."""

from __future__ import annotations

import inspect
import re
import subprocess

import pytest

from conftest import ROOT

CREDENTIAL = re.compile(r"""(?x)
    (?i:password|passwd|secret|api[_-]?key|auth[_-]?token)\s*[:=]\s*["'](?!\$\{)[^"'\s]{8,}["']   # a quoted literal
  | ^\s*(?:export\s+)?[A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_KEY)\s*=\s*(?!\$)[^\s"'\#(]{8,}(?:\s|$)  # KEY=value
  | NEO4J_AUTH\s*[:=]\s*["']?neo4j/(?!\$\{)[^\s"']+
  | -----BEGIN\ (?:RSA\ |EC\ |OPENSSH\ |DSA\ )?PRIVATE\ KEY-----
  | AKIA[0-9A-Z]{16}
  | ghp_[0-9A-Za-z]{36}
""")
SELF = "tests/test_secrets.py"  # holds examples of what the pattern must catch


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [line for line in out.splitlines() if line]


def test_no_credential_is_committed():
    hits = []
    for name in tracked_files():
        path = ROOT / name
        if name == SELF:
            continue
        if not path.is_file() or path.suffix in (".png", ".jpg", ".pdf", ".gz", ".zip", ".jar") \
                or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            if CREDENTIAL.search(line):
                hits.append(f"{name}:{n}: {line.strip()[:120]}")
    assert hits == []


def test_the_credential_pattern_catches_what_it_should():
    for line in ["NEO4J_PASSWORD=hunter2hunter2", 'password = "s3cr3t-value"', "NEO4J_AUTH=neo4j/letmein123",
                 "-----BEGIN OPENSSH PRIVATE KEY-----"]:
        assert CREDENTIAL.search(line), line
    for line in ["NEO4J_PASSWORD=", "NEO4J_AUTH=neo4j/${NEO4J_PASSWORD}", "password=os.environ[name]",
                 "NEO4J_PASSWORD: ${NEO4J_PASSWORD:?set it}", "token = _current.set(limits)",
                 "settings = Neo4jSettings(uri=uri, password=sys.argv[4])"]:
        assert not CREDENTIAL.search(line), line


def test_env_file_is_ignored_and_the_example_holds_no_password():
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^NEO4J_PASSWORD=\s*$", example, re.M)


def test_docker_compose_refuses_to_start_without_a_password_and_binds_loopback():
    text = (ROOT / "docker-compose.yml").read_text()
    assert re.search(r"NEO4J_AUTH: neo4j/\$\{NEO4J_PASSWORD:\?[^}]+\}", text)
    assert re.search(r"NEO4J_PASSWORD: \$\{NEO4J_PASSWORD:\?[^}]+\}", text)
    ports = re.findall(r'^\s*-\s*"([^"]+)"', text, re.M)
    assert ports and all(p.startswith("127.0.0.1:") for p in ports), ports


def test_the_explorer_and_the_local_neo4j_bind_loopback_by_default():
    from kg import cli, neo4j_server

    host = next(p for p in cli.ui.params if p.name == "host")
    assert host.default == "127.0.0.1"
    launcher = (ROOT / "kg" / "neo4j_launcher").rglob("*.java")
    assert any("127.0.0.1" in p.read_text() for p in launcher)
    # the password reaches the JVM through the environment, never its command line
    assert "--password-env" in inspect.getsource(neo4j_server.start_server)


@pytest.mark.neo4j
def test_the_password_is_not_in_the_local_servers_logs_or_command_line(neo4j_server):
    password = neo4j_server.settings.password
    for path in neo4j_server.state.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".out", ".err", "") and path.stat().st_size < 50_000_000:
            assert password.encode() not in path.read_bytes(), path
    pid = int((neo4j_server.state / "pid").read_text())
    cmdline = (ROOT.anchor and open(f"/proc/{pid}/cmdline", "rb").read()) or b""
    assert password.encode() not in cmdline


@pytest.mark.neo4j
def test_sync_output_and_errors_do_not_show_the_password(built_sink, neo4j_db, monkeypatch):
    from click.testing import CliRunner

    from kg.cli import main

    for k, v in neo4j_db.env().items():
        monkeypatch.setenv(k, v)
    ok = CliRunner().invoke(main, ["sync", "--verify", "-v", "--config", str(built_sink.config)])
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong-" + neo4j_db.settings.password)
    refused = CliRunner().invoke(main, ["sync", "--config", str(built_sink.config)])
    assert ok.exit_code == 0 and refused.exit_code == 3
    for text in (ok.output, refused.output):
        assert neo4j_db.settings.password not in text
