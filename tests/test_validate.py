"""Data checks that SHACL does not express well, and SHACL findings located at their records."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import ValidationError, build_graph, load_config, load_ontology
from kg.namespaces import AIGC, RESOURCE
from kg.validate import check_dangling, check_date_ranges, store_locator


def _write(project, name, text):
    (project.data / name).write_text(text, encoding="utf-8")


def _errors(project) -> list[str]:
    with pytest.raises(ValidationError) as err:
        build_graph(load_config(project.config), write=False)
    return err.value.report().splitlines()[:-1]


def test_duplicate_names_within_a_kind_are_reported(sink):
    _write(sink, "dup.yaml", "- id: ernie-bot-2\n  kind: Application\n  label: {en: ＥＲＮＩＥ-bot}\n"
                             "  providedBy: baidu\n  sources: [https://example.org/x]\n")
    assert _errors(sink) == [
        "[ERROR] data/applications.yaml:1:3 ernie-bot: shares the name 'erniebot' with ernie-bot-2; merge "
        "the two records, or add 'distinctFrom: ernie-bot-2' if they are different things"]


def test_distinct_from_allows_a_shared_name(sink):
    _write(sink, "dup.yaml", "- id: ernie-bot-2\n  kind: Application\n  label: {en: ERNIE Bot}\n"
                             "  distinctFrom: ernie-bot\n  providedBy: baidu\n  sources: [https://example.org/x]\n")
    assert build_graph(load_config(sink.config), write=False).findings == []


def test_the_same_name_in_different_kinds_is_fine(sink):
    _write(sink, "same.yaml", "- id: ernie-bot-model\n  kind: Model\n  label: {en: ERNIE Bot}\n"
                              "  developedBy: baidu\n  sources: [https://example.org/x]\n")
    assert build_graph(load_config(sink.config), write=False).findings == []


def test_policy_effective_before_issued_is_reported(sink):
    text = (sink.data / "policies.yaml").read_text(encoding="utf-8").replace(
        "effectiveDate: 2023-08-15", "effectiveDate: 2023-06")
    _write(sink, "policies.yaml", text)
    assert _errors(sink) == ["[ERROR] data/policies.yaml:8:3 interim-measures: effectiveDate 2023-06 is "
                             "before issuedDate 2023-07-10"]


def test_dates_out_of_range_are_reported(sink):
    text = (sink.data / "models.yaml").read_text(encoding="utf-8").replace("releaseDate: 2024", "releaseDate: 1066")
    _write(sink, "models.yaml", text)
    assert _errors(sink) == ["[ERROR] data/models.yaml:26:3 ernie-speed: releaseDate 1066 is outside 1950–2026; "
                             "check the source"]


def test_shacl_violations_point_at_the_property(sink):
    _write(sink, "bad.yaml", "- id: bad-policy\n  kind: Policy\n  label: {en: Bad policy}\n"
                             "  status: wishful\n  sources: [https://example.org/x]\n")
    errors = _errors(sink)
    assert len(errors) == 2
    assert errors[0].startswith("[ERROR] data/bad.yaml:1:3 bad-policy: issuedBy")
    assert errors[1].startswith("[ERROR] data/bad.yaml:4:3 bad-policy: status")
    assert "(got 'wishful')" in errors[1]


def test_dangling_references_are_reported_with_their_graph():
    store = ox.Store()
    g = ox.NamedNode("https://w3id.org/aigc-kg/graph/x")
    model = ox.NamedNode(RESOURCE + "model/m")
    store.add(ox.Quad(model, ox.NamedNode(str(AIGC.developedBy)), ox.NamedNode(RESOURCE + "org/ghost"), g))
    [finding] = check_dangling(store, store_locator(store))
    assert str(finding) == (f"[ERROR] {g.value} m: developedBy refers to {RESOURCE}org/ghost, "
                            "which no source defines")


def test_date_check_ignores_years_it_cannot_read():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(RESOURCE + "model/m"), ox.NamedNode(str(AIGC.releaseDate)),
                      ox.Literal("-0044"), ox.NamedNode("https://w3id.org/aigc-kg/graph/x")))
    assert check_date_ranges(store, store_locator(store)) == []


def test_ontology_loads_with_a_segment_for_every_class():
    onto = load_ontology()
    assert {c.segment for c in onto.classes.values()} == {
        "org", "model", "app", "policy", "funding", "region", "doc", "layer", "industry", "modality", "technique",
        "dataset", "report-element", "paragraph", "mention", "candidate", "statistic", "text-relation"}
