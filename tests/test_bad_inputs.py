"""One broken file per kind of error: the exact file:line message, exit code 1, store untouched."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import BAD, KITCHEN_SINK
from kg.cli import main

CASES = {
    "malformed_yaml.yaml": "[ERROR] data/malformed_yaml.yaml:4:14 malformed YAML: did not find expected "
                           "',' or '}' (while parsing a flow mapping that starts at line 3, column 10); "
                           "fix the syntax at this position",
    "unknown_kind.yaml": "[ERROR] data/unknown_kind.yaml:2:9 acme: unknown kind 'Compnay'; did you mean "
                         "'Company'? kinds are Application, Company, Dataset, Document, FundingEvent, "
                         "GovernmentBody, Industry, IndustryLayer, InvestmentFirm, Modality, Model, "
                         "Organization, Policy, Region, ResearchInstitution, Technique",
    "missing_id.yaml": "[ERROR] data/missing_id.yaml:1:3 record has no 'id'; add a slug like 'id: ernie-bot'",
    "duplicate_id.yaml": "[ERROR] data/organizations.yaml:1:3 baidu: duplicate id 'baidu' (first defined at "
                         "data/duplicate_id.yaml:2:3); ids must be unique across all curated files",
    "unknown_reference.yaml": "[ERROR] data/unknown_reference.yaml:4:16 ernie-4: 'developedBy' refers to "
                              "unknown id 'baidoo'; did you mean 'baidu'?",
    "bad_date.yaml": "[ERROR] data/bad_date.yaml:5:16 ernie-4: 'releaseDate' expects a date like 2024-05-13 "
                     "(or 2024-05, or 2024), got 'May 2024'",
    "bad_parameter_count.yaml": "[ERROR] data/bad_parameter_count.yaml:5:19 ernie-4: 'parameterCount' "
                                "expects a whole number like 175000000000, got 'about 7B'",
    "no_source.yaml": "[ERROR] data/no_source.yaml:1:3 ernie-4: record has no 'sources'; add at least one "
                      "URL or document id that confirms it",
    "empty.yaml": "[ERROR] data/empty.yaml:1:1 file is empty; expected a YAML list of records "
                  "(see docs/curated-format.md), or delete the file",
    "gbk_encoded.yaml": "[ERROR] data/gbk_encoded.yaml:3:15 the file is not UTF-8 (it reads as GBK/GB18030); "
                        "re-save it as UTF-8, e.g. iconv -f GB18030 -t UTF-8 data/gbk_encoded.yaml > "
                        "data/gbk_encoded.yaml.utf8",
}


def _build(project):
    return CliRunner().invoke(main, ["build", "--quiet", "--config", str(project.config)])


@pytest.fixture
def built(sink, monkeypatch):
    monkeypatch.chdir(sink.root)  # messages name files relative to the project folder
    result = _build(sink)
    assert result.exit_code == 0, result.output
    return sink


def test_every_bad_file_has_a_case():
    assert {p.name for p in BAD.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_refused_with_its_location_and_the_store_is_untouched(built, name):
    before = built.store_fingerprint()
    built.add(BAD / name)
    result = _build(built)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == CASES[name]
    assert lines[-1] == f"build refused: 1 error(s) in the sources; the store at {built.store} is unchanged"
    assert built.store_fingerprint() == before


def test_all_findings_of_a_run_are_reported_together(built):
    built.add(BAD / "bad_date.yaml", BAD / "missing_id.yaml", BAD / "unknown_kind.yaml")
    result = _build(built)
    assert result.exit_code == 1
    assert [line.split()[1].split(":")[0] for line in result.stderr.splitlines()[:-1]] == [
        "data/bad_date.yaml", "data/missing_id.yaml", "data/unknown_kind.yaml"]


def test_ontology_syntax_error_names_file_and_line(built):
    before = built.store_fingerprint()
    bad = BAD / "ontology_syntax_error.ttl"
    built.write_config(f'\n[ontology]\npath = "{bad}"\n')
    result = _build(built)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"[ERROR] {bad}:8:5 Turtle syntax error: ")
    assert "A dot is expected" in result.stderr
    assert built.store_fingerprint() == before


def test_no_traceback_for_a_user_mistake_unless_asked(built):
    built.add(BAD / "bad_date.yaml")
    assert "Traceback" not in _build(built).output
    result = CliRunner().invoke(main, ["build", "--traceback", "--config", str(built.config)])
    assert result.exit_code == 1 and type(result.exception).__name__ == "InputError"


def test_kitchen_sink_is_clean(sink):
    assert KITCHEN_SINK.is_dir()
    result = _build(sink)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
