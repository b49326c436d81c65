"""Records -> RDF: one named graph per file, typed literals, the whole ontology exercised."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg import InputError, ValidationError, build_graph, load_config, open_store
from kg.build import ingest_files
from kg.namespaces import AIGC, GRAPH, RESOURCE
from kg.store import to_rdflib_graph


def _graph_of(store, subject=None, graph=None) -> rdflib.Graph:
    s = ox.NamedNode(subject) if subject else None
    g = ox.NamedNode(graph) if graph else None
    return to_rdflib_graph(store.quads_for_pattern(s, None, None, g))


# The kitchen sink uses every class and property with a report added: tests/test_reports.py.


def test_each_curated_file_is_its_own_named_graph(built_sink):
    store = open_store(built_sink.store)
    graphs = {g.value for g in store.named_graphs()}
    expected = {f"{GRAPH}curated/{p.stem}" for p in built_sink.data.glob("*.yaml")}
    assert expected <= graphs
    assert ox.NamedNode(RESOURCE + "app/ernie-bot") in {
        q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(f"{GRAPH}curated/applications"))}


def test_a_record_maps_to_exactly_these_triples(built_sink):
    expected = rdflib.Graph().parse(format="turtle", data=f"""
        @prefix aigc: <{AIGC}> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{RESOURCE}app/ernie-bot> a aigc:Application ;
            rdfs:label "文心一言"@zh, "ERNIE Bot"@en ;
            skos:altLabel "Ernie Bot", "文心一言App" ;
            dcterms:description "百度的对话助手。"@zh, "Baidu's chat assistant."@en ;
            aigc:providedBy <{RESOURCE}org/baidu> ; aigc:poweredBy <{RESOURCE}model/ernie-3-5> ;
            aigc:hasModality <{RESOURCE}modality/text> ; aigc:servesIndustry <{RESOURCE}industry/office> ;
            aigc:inLayer <{RESOURCE}layer/application-layer> ;
            aigc:releaseDate "2023-03-16"^^xsd:date ;
            dcterms:source <https://example.org/ernie-bot> .
    """)
    store = open_store(built_sink.store)
    assert isomorphic(_graph_of(store, RESOURCE + "app/ernie-bot"), expected)


@pytest.mark.parametrize("subject, prop, literal", [
    ("model/ernie-3-5", "releaseDate", rdflib.Literal("2023-06", datatype=rdflib.XSD.gYearMonth)),
    ("model/ernie-speed", "releaseDate", rdflib.Literal("2024", datatype=rdflib.XSD.gYear)),
    ("model/ernie-speed", "parameterCount", rdflib.Literal(175000000000)),
    ("model/ernie-speed", "openWeights", rdflib.Literal(False)),
    ("org/baidu", "foundedDate", rdflib.Literal("2000-01", datatype=rdflib.XSD.gYearMonth)),
])
def test_values_are_typed_by_the_property_range(built_sink, subject, prop, literal):
    g = _graph_of(open_store(built_sink.store), RESOURCE + subject)
    assert list(g.objects(None, AIGC[prop])) == [literal]


def test_amounts_are_decimals_as_announced(built_sink):
    g = _graph_of(open_store(built_sink.store), RESOURCE + "funding/funding-1")
    [amount] = g.objects(None, AIGC.amount)
    assert amount.datatype == rdflib.XSD.decimal and amount.toPython() == Decimal("1000000.50")


def test_concepts_are_put_in_their_scheme(built_sink):
    g = _graph_of(open_store(built_sink.store), RESOURCE + "layer/model-layer")
    assert list(g.objects(None, rdflib.SKOS.inScheme)) == [AIGC.IndustryLayerScheme]


def test_sources_keep_the_date_they_were_consulted(built_sink):
    g = _graph_of(open_store(built_sink.store), "https://ir.baidu.com")
    assert list(g.objects(None, AIGC.accessed)) == [rdflib.Literal("2026-11-30", datatype=rdflib.XSD.date)]


def test_build_fails_if_a_model_has_no_developer_and_keeps_the_old_store(sink):
    config = load_config(sink.config)
    build_graph(config)
    before = sink.store_fingerprint()
    (sink.data / "orphan.yaml").write_text(
        "- id: orphan\n  kind: Model\n  label: {en: Orphan}\n  sources: [https://example.org/o]\n",
        encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        build_graph(config)
    lines = err.value.report().splitlines()
    assert lines[0].startswith("[ERROR] data/orphan.yaml:1:3 orphan: developedBy")
    assert "A Model needs at least one developedBy" in lines[0]
    assert sink.store_fingerprint() == before


@pytest.mark.parametrize("kind, line, message", [
    ("Company", "parameterCount: 7", "wrong.yaml:4:3 wrong: 'parameterCount' is a property of Model, not of Company"),
    ("Model", "developedBy: text", "wrong.yaml:4:16 wrong: 'developedBy' expects an Organization, but 'text' "
                                   "is a Modality"),
])
def test_a_property_or_reference_of_the_wrong_kind_is_refused(sink, kind, line, message):
    (sink.data / "wrong.yaml").write_text(
        f"- id: wrong\n  kind: {kind}\n  label: {{en: Wrong}}\n  {line}\n"
        "  sources: [https://example.org/w]\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_graph(load_config(sink.config))
    assert f"[ERROR] data/{message}" in err.value.report().splitlines()


def test_validate_only_builds_in_memory(sink):
    result = build_graph(load_config(sink.config), write=False)
    assert not result.written and result.stats.triples > 0
    assert not (sink.store / "CURRENT").exists()


def test_ingest_adds_a_file_and_reingest_replaces_its_graph(sink, tmp_path):
    config = load_config(sink.config)
    build_graph(config)
    extra = tmp_path / "extra.yaml"
    extra.write_text("- id: ernie-4\n  kind: Model\n  label: {en: ERNIE 4.0}\n  developedBy: baidu\n"
                     "  sources: [https://example.org/e4]\n", encoding="utf-8")
    ingest_files(config, "curated", [extra])
    graph = ox.NamedNode(f"{GRAPH}curated/extra")
    assert len(list(open_store(sink.store).quads_for_pattern(None, None, None, graph))) == 4
    extra.write_text("- id: ernie-4\n  kind: Model\n  label: {en: ERNIE 4.0 Turbo}\n  developedBy: baidu\n"
                     "  sources: [https://example.org/e4]\n", encoding="utf-8")
    ingest_files(config, "curated", [extra])
    labels = [q.object.value for q in open_store(sink.store).quads_for_pattern(
        ox.NamedNode(RESOURCE + "model/ernie-4"), ox.NamedNode(str(rdflib.RDFS.label)), None)]
    assert labels == ["ERNIE 4.0 Turbo"]


def test_ingest_refuses_an_id_another_source_defines(sink, tmp_path):
    config = load_config(sink.config)
    build_graph(config)
    before = sink.store_fingerprint()
    extra = tmp_path / "extra.yaml"
    extra.write_text("- id: baidu\n  kind: Company\n  label: {en: Baidu}\n  sources: [https://example.org/b]\n",
                     encoding="utf-8")
    with pytest.raises(Exception) as err:
        ingest_files(config, "curated", [extra])
    assert f"duplicate id 'baidu' (first defined at {GRAPH}curated/organizations)" in err.value.report()
    assert sink.store_fingerprint() == before
