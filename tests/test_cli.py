"""The CLI through click's runner: exit codes, messages, help text for every command."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from kg.cli import main


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path, cmd", list(_commands(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_text(path, cmd):
    assert (cmd.help or "").strip()
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and cmd.help.split("\n")[0][:30] in " ".join(result.output.split())
    for param in cmd.params:
        if isinstance(param, click.Option) and param.name not in ("help",):
            assert (param.help or "").strip() or param.name in ("fmt", "max_rows", "file"), param.name


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_build_prints_counts_and_the_validation_summary(sink):
    result = run("build", "--config", sink.config)
    assert result.exit_code == 0, result.output
    assert "  Model                       2" in result.stdout
    assert result.stdout.rstrip().endswith("validation: 0 errors, 0 warning(s)")


def test_quiet_build_prints_nothing(sink):
    result = run("build", "--quiet", "--config", sink.config)
    assert result.exit_code == 0 and result.output == ""


def test_validate_reports_and_does_not_write(sink):
    result = run("validate", "--config", sink.config)
    assert result.exit_code == 0 and result.stdout.startswith("valid: ")
    assert not sink.store.exists() or not (sink.store / "CURRENT").exists()


def test_stats_as_json(built_sink):
    result = run("stats", "--format", "json", "--config", built_sink.config)
    assert json.loads(result.stdout)["classes"]["Organization"] == 5


def test_query_sparql_from_argument_and_file(built_sink, tmp_path):
    q = "SELECT ?n WHERE { <https://w3id.org/aigc-kg/resource/org/baidu> rdfs:label ?n } ORDER BY ?n"
    result = run("query", "sparql", q, "--format", "csv", "--config", built_sink.config)
    assert result.exit_code == 0 and result.stdout.splitlines() == ["n", "Baidu", "百度"]
    (tmp_path / "q.rq").write_text(q, encoding="utf-8")
    result = run("query", "sparql", "--file", tmp_path / "q.rq", "--format", "json", "--config", built_sink.config)
    assert len(json.loads(result.stdout)["results"]["bindings"]) == 2


def test_query_update_exits_1_with_the_reason(built_sink):
    result = run("query", "sparql", "DELETE WHERE { ?s ?p ?o }", "--config", built_sink.config)
    assert result.exit_code == 1
    assert result.stderr.startswith("SPARQL DELETE is refused: kg queries are read-only")


def test_query_without_text_is_a_usage_error(built_sink):
    result = run("query", "sparql", "--config", built_sink.config)
    assert result.exit_code == 2 and "give the query as an argument or with --file" in result.stderr


def test_missing_config_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KG_CONFIG", raising=False)
    result = run("stats")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"kg.toml in {tmp_path} not found; run kg from the project folder")


def test_query_before_any_build_says_to_build(project):
    result = run("query", "sparql", "ASK {}", "--config", project.config)
    assert result.exit_code == 1 and "run `kg build` first" in result.stderr


def test_ingest_curated_adds_a_file(built_sink, tmp_path):
    import shutil
    shutil.copytree(built_sink.root, tmp_path / "copy")
    extra = tmp_path / "extra.yaml"
    extra.write_text("- id: ernie-4\n  kind: Model\n  label: {en: ERNIE 4.0}\n  developedBy: baidu\n"
                     "  sources: [https://example.org/e4]\n", encoding="utf-8")
    result = run("ingest", "curated", extra, "--config", tmp_path / "copy" / "kg.toml")
    assert result.exit_code == 0, result.output
    assert "  Model                       3" in result.stdout
