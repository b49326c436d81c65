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


# ---------------------------------------------------------------------------- incremental validation

def _copy(store: ox.Store) -> ox.Store:
    out = ox.Store()
    out.extend(store.quads_for_pattern(None, None, None, None))
    return out


def _graph_of(store: ox.Store, iri: str) -> ox.NamedNode:
    return next(q.graph_name for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, None)
                if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith("https://w3id.org/aigc-kg/"))


def _iri(store: ox.Store, slug: str) -> ox.NamedNode:
    return next(q.subject for q in store.quads_for_pattern(None, None, None, None)
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(RESOURCE)
                and q.subject.value.endswith("/" + slug))


def _lines(findings) -> list[str]:
    return [f"{f.level} {f.file}:{f.line} {f.subject}: {f.message}" for f in findings]


def test_incremental_validation_finds_what_full_validation_finds_after_a_change(built_sink):
    from kg import open_store
    from kg.validate import affected_nodes, changed_subjects, validate_changed, validate_store

    ontology = load_ontology()
    before = open_store(built_sink.store)
    after = _copy(before)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    baidu = _iri(after, "baidu")
    orgs = _graph_of(after, baidu.value)
    # The change: baidu is re-typed as a Region (its models in another graph now point at a
    # non-organization: a one-hop sh:class error), and a policy gets a status outside its list.
    for q in list(after.quads_for_pattern(baidu, rdf_type, None, orgs)):
        after.remove(q)
    after.add(ox.Quad(baidu, rdf_type, ox.NamedNode(str(AIGC.Region)), orgs))
    policy = _iri(after, "interim-measures")
    status = ox.NamedNode(str(AIGC.status))
    policies = _graph_of(after, policy.value)
    for q in list(after.quads_for_pattern(policy, status, None, None)):
        after.remove(q)
        after.add(ox.Quad(policy, status, ox.Literal("wishful"), policies))
    changed = changed_subjects({orgs.value, policies.value}, after, before)

    full = validate_store(after, ontology)
    incremental = validate_changed(after, ontology, changed)
    assert _lines(incremental) == _lines(full)
    messages = " | ".join(f.message for f in full)
    assert "wishful" in messages and any(f.subject == "ernie-3-5" for f in full)  # one hop away

    # An error in a graph that was not changed: the full validation finds it, the incremental one
    # (which trusts the unchanged part of a store that was valid) does not look there.
    office = _iri(after, "office")  # an Industry concept: points at nothing that changed
    concepts = _graph_of(after, office.value)
    assert concepts not in (orgs, policies) and office.value not in affected_nodes(after, changed)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    after.add(ox.Quad(office, label, ox.Literal("Office again", language="en"), concepts))  # two en labels
    full2 = validate_store(after, ontology)
    assert len(full2) == len(full) + 1 and any("label" in f.message and f.subject == "office"
                                               and f not in full for f in full2)
    assert _lines(validate_changed(after, ontology, changed)) == _lines(full)


def test_ingest_validates_only_what_changed_and_still_refuses_errors(sink, monkeypatch):
    import kg.validate as V
    from kg import ingest_files, open_store

    build_graph(load_config(sink.config))
    calls = []
    real = V.validate_changed
    monkeypatch.setattr(V, "validate_changed", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    config = load_config(sink.config)
    path = sink.data / "policies.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: in force", "status: wishful"),
                    encoding="utf-8")
    before = sink.store_fingerprint()
    with pytest.raises(ValidationError) as err:
        ingest_files(config, "curated", [path])
    assert "wishful" in err.value.report() and sink.store_fingerprint() == before
    assert calls and any(s.endswith("/interim-measures") for s in calls[0])
    assert not any(s.endswith("/ernie-3-5") for s in calls[0])  # untouched graphs are not revalidated
    path.write_text(path.read_text(encoding="utf-8").replace("status: wishful", "status: draft"),
                    encoding="utf-8")
    result = ingest_files(config, "curated", [path])
    assert [f for f in result.findings if f.level == "ERROR"] == []
    store = open_store(sink.store)
    assert [q.object.value for q in store.quads_for_pattern(
        _iri(store, "interim-measures"), ox.NamedNode(str(AIGC.status)), None, None)] == ["draft"]


def test_chunked_and_parallel_shacl_find_what_one_whole_graph_run_finds(built_sink, monkeypatch):
    """Full validation runs pySHACL on chunks of focus nodes, in forked workers for large graphs;
    the findings must be those of one pySHACL run over the whole graph, chunk borders included."""
    import kg.validate as V
    from kg import open_store
    from kg.store import to_rdflib_graph

    ontology = load_ontology()
    store = _copy(open_store(built_sink.store))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    baidu = _iri(store, "baidu")
    orgs = _graph_of(store, baidu.value)
    for q in list(store.quads_for_pattern(baidu, rdf_type, None, orgs)):
        store.remove(q)
    store.add(ox.Quad(baidu, rdf_type, ox.NamedNode(str(AIGC.Region)), orgs))  # one-hop errors elsewhere
    office = _iri(store, "office")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.add(ox.Quad(office, label, ox.Literal("Office again", language="en"), _graph_of(store, office.value)))
    locate = store_locator(store)

    whole = sorted((V._located(r, locate) for r in V._shacl_results(to_rdflib_graph(V._data_quads(store)),
                                                                       ontology)), key=V._order)
    monkeypatch.setattr(V, "SHACL_CHUNK", 7)  # many chunks, so errors fall on both sides of borders
    monkeypatch.setattr(V, "WORKER_CHUNKS", 3)  # and workers replaced along the way
    in_process = V.run_shacl(store, ontology, locate, workers=1)
    forked = V.run_shacl(store, ontology, locate, workers=2)
    assert len(whole) >= 3 and any(f.subject == "office" for f in whole)
    assert any(f.subject == "ernie-3-5" for f in whole)
    assert _lines(in_process) == _lines(whole)
    assert _lines(forked) == _lines(whole)
