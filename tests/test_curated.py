"""The curated YAML reader: records with the position of every value."""

from __future__ import annotations

from pathlib import Path

from conftest import KITCHEN_SINK
from kg.ingest.curated import Loc, read_curated, read_curated_file


def _read(tmp_path: Path, text: str):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    findings = []
    return read_curated_file(path, findings, display="x.yaml"), findings


def test_records_keep_every_value_with_its_position():
    findings = []
    [rec] = [r for r in read_curated([KITCHEN_SINK], findings, root=KITCHEN_SINK) if r.id == "ernie-bot"]
    assert findings == []
    assert rec.kind.text == "Application" and rec.loc == Loc("applications.yaml", 1, 3)
    assert rec.label["zh"].text == "文心一言" and rec.label["zh"].loc == Loc("applications.yaml", 3, 15)
    assert [a.text for a in rec.aliases] == ["Ernie Bot", "文心一言App"]
    assert rec.properties["releaseDate"][0].text == "2023-03-16"
    assert rec.properties["releaseDate"][0].tag == "timestamp"
    assert rec.key_locs["poweredBy"] == Loc("applications.yaml", 7, 3)


def test_sources_may_be_urls_ids_or_url_with_accessed_date(tmp_path):
    [rec], findings = _read(tmp_path, "- id: a\n  kind: Company\n  label: {en: A}\n  sources:\n"
                                      "    - https://a.example\n    - some-doc\n"
                                      "    - {url: https://b.example, accessed: 2026-11-30}\n")
    assert findings == []
    assert [(s.ref.text, s.is_url, s.accessed.text if s.accessed else None) for s in rec.sources] == [
        ("https://a.example", True, None), ("some-doc", False, None), ("https://b.example", True, "2026-11-30")]


def test_yaml_aliases_are_refused(tmp_path):
    records, findings = _read(tmp_path, "- &r {id: a, kind: Company, label: {en: A}, sources: [s]}\n- *r\n")
    assert [r.id for r in records] == ["a"]
    assert str(findings[0]) == ("[ERROR] x.yaml:1:3 YAML aliases (*name) are not allowed in curated data; "
                                "write the value out")


def test_a_key_written_twice_is_reported(tmp_path):
    _, findings = _read(tmp_path, "- id: a\n  kind: Company\n  label: {en: A}\n  kind: Model\n  sources: [s]\n")
    assert str(findings[0]) == "[ERROR] x.yaml:4:3 key 'kind' appears twice in this record; keep one"


def test_a_label_in_another_language_is_reported(tmp_path):
    _, findings = _read(tmp_path, "- id: a\n  kind: Company\n  label: {fr: Société}\n  sources: [s]\n")
    assert [str(f) for f in findings] == [
        "[ERROR] x.yaml:3:11 a: 'label' has language 'fr'; use zh or en",
        "[ERROR] x.yaml:3:10 a: 'label' needs a zh or en name"]


def test_an_id_that_is_not_a_slug_is_reported(tmp_path):
    _, findings = _read(tmp_path, "- id: Ernie Bot\n  kind: Company\n  label: {en: A}\n  sources: [s]\n")
    assert str(findings[0]).startswith("[ERROR] x.yaml:1:7 id 'Ernie Bot' is not a slug")


def test_a_top_level_mapping_is_reported(tmp_path):
    _, findings = _read(tmp_path, "id: a\nkind: Company\n")
    assert str(findings[0]) == ("[ERROR] x.yaml:1:1 expected a list of records at the top level, got a "
                                "mapping; start each record with '- id: ...'")


def test_a_comma_in_an_unquoted_flow_label_is_explained(tmp_path):
    _, findings = _read(tmp_path, "- id: a\n  kind: Policy\n  label: {en: Safe, Secure, and Trustworthy AI}\n"
                                  "  sources: [s]\n")
    assert str(findings[0]) == ("[ERROR] x.yaml:3:21 a: 'label' has a stray part 'Secure': a comma inside an "
                                "unquoted {zh: ..., en: ...} value splits it; put the name in quotes")
