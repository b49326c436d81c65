"""The curated dataset shipped in data/: it builds clean and holds the report's entities."""

from __future__ import annotations

import pytest

from conftest import ROOT
from kg import build_graph, load_config, run_sparql


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    config = load_config(ROOT / "kg.toml", store=tmp_path_factory.mktemp("shipped") / "store")
    result = build_graph(config)
    from kg import open_store
    return result, open_store(config.store_path)


def test_the_shipped_data_builds_without_findings(shipped):
    result, _ = shipped
    assert [str(f) for f in result.findings] == []


def _ask(store, query: str) -> bool:
    return run_sparql(store, "ASK { " + query + " }").boolean


@pytest.mark.parametrize("fact", [
    # entities the originating report names, with facts the data sources
    "?p rdfs:label '生成式人工智能服务管理暂行办法'@zh ; aigc:issuedBy/rdfs:label '国家互联网信息办公室'@zh ;"
    " aigc:issuedDate ?d . FILTER(STR(?d) = '2023-07-10')",
    "?a rdfs:label 'ChatGPT'@en ; aigc:providedBy/rdfs:label 'OpenAI'@en",
    "?m rdfs:label 'GPT-4'@en ; aigc:developedBy/rdfs:label 'OpenAI'@en",
    "?r rdfs:label '北京'@zh ; aigc:partOf/rdfs:label '中国'@zh",
    "?l a aigc:IndustryLayer ; rdfs:label '算力层'@zh",
    "?t a aigc:Technique ; skos:altLabel|rdfs:label ?n . FILTER(CONTAINS(LCASE(STR(?n)), 'diffusion'))",
    "?x rdfs:label 'Midjourney'@en ; a aigc:Application",
])
def test_report_entities_are_in_the_graph(shipped, fact):
    assert _ask(shipped[1], fact)


def test_every_entity_has_a_source(shipped):
    rows = run_sparql(shipped[1], "SELECT ?s WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?s), "
                                  "'https://w3id.org/aigc-kg/resource/')) FILTER NOT EXISTS { ?s dcterms:source ?src } }").rows
    assert rows == []


def test_the_four_layers_modalities_and_interim_measures_issuers(shipped):
    store = shipped[1]
    count = lambda q: int(run_sparql(store, q).rows[0][0].value)  # noqa: E731
    assert count("SELECT (COUNT(?l) AS ?n) WHERE { ?l a aigc:IndustryLayer }") == 4
    assert count("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?p rdfs:label '生成式人工智能服务管理暂行办法'@zh ;"
                 " aigc:issuedBy ?o }") == 7


def _count(store, query: str) -> int:
    return int(run_sparql(store, query).rows[0][0].value)


def test_every_model_has_a_developer_and_every_application_a_provider(shipped):
    store = shipped[1]
    assert _count(store, "SELECT (COUNT(?m) AS ?n) WHERE { ?m a aigc:Model "
                         "FILTER NOT EXISTS { ?m aigc:developedBy ?o } }") == 0
    assert _count(store, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a aigc:Application "
                         "FILTER NOT EXISTS { ?a aigc:providedBy ?o } }") == 0


def test_every_source_url_says_when_it_was_consulted(shipped):
    store = shipped[1]
    assert _count(store, "SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE { ?s dcterms:source ?u "
                         "FILTER NOT EXISTS { ?u a ?documentClass } FILTER NOT EXISTS { ?u aigc:accessed ?d } }") == 0


@pytest.mark.parametrize("cls, least", [("Organization", 150), ("Model", 250), ("Application", 80),
                                        ("Policy", 40), ("FundingEvent", 100), ("Industry", 20)])
def test_coverage_of_each_kind(shipped, cls, least):
    result, _ = shipped
    assert result.stats.classes[cls] >= least


def test_the_reports_layer_rankings_are_data(shipped):
    rows = run_sparql(shipped[1], """SELECT ?id ?t ?r ?m WHERE { ?l a aigc:IndustryLayer ;
        aigc:technologyChangeRank ?t ; aigc:resourceIntensityRank ?r ; aigc:marketOpportunityRank ?m .
        BIND(STRAFTER(STR(?l), "/layer/") AS ?id) }""").rows
    assert {r[0].value: tuple(int(v.value) for v in r[1:]) for r in rows} == {
        "model-layer": (1, 2, 3), "tool-layer": (2, 4, 2), "compute-layer": (3, 1, 4), "application-layer": (4, 3, 1)}


def test_no_alias_is_a_fragment_of_a_split_name(shipped):
    """A YAML flow list splits "Foo Co., Ltd." at its comma unless quoted: no alias may be such a piece."""
    _, store = shipped
    rows = run_sparql(store, "SELECT ?s ?a WHERE { ?s skos:altLabel ?a . "
                             "FILTER(REGEX(STR(?a), '^\\\\s*(Ltd|Inc|Co|LLC|Corp|Limited|Ltda|GmbH|S\\\\.A)\\\\.?\\\\s*$', 'i')) }")
    assert [(r[0].value, r[1].value) for r in rows.rows] == []
