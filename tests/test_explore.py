"""Search, facets and entity cards (kg.explore) on the kitchen-sink graph."""

from __future__ import annotations

import pytest

from kg import InputError, QueryError, load_config, load_ontology, open_store
from kg.explore import edit_distance, entity_card, load_index, resolve_entity, run_sparql_timed
from kg.namespaces import resource_iri

ERNIE_BOT = resource_iri("app", "ernie-bot")
BAIDU = resource_iri("org", "baidu")


@pytest.fixture(scope="module")
def sink_graph(built_sink):
    store = open_store(load_config(built_sink.config).store_path)
    return store, load_index(store, load_ontology())


@pytest.mark.parametrize("text", ["文心一言", "ERNIE Bot", "ernie bot", "ＥＲＮＩＥ　ＢＯＴ", "Ernie-Bot", "文心一言App",
                                  "ernei bot", "文心一言ap"])
def test_search_finds_ernie_bot_by_any_name_case_width_or_typo(sink_graph, text):
    _, index = sink_graph
    result = index.search(text)
    assert result.hits[0].entity.iri == ERNIE_BOT


def test_search_of_traditional_characters_finds_the_simplified_name(sink_graph):
    _, index = sink_graph
    assert index.search("國家互聯網信息辦公室").hits[0].entity.iri == resource_iri("org", "cac")
    assert index.search("網信辦").hits[0].entity.iri == resource_iri("org", "cac")


def test_exact_names_rank_before_prefixes_and_typos(sink_graph):
    _, index = sink_graph
    hits = index.search("baidu").hits
    assert [h.entity.iri for h in hits[:2]] == [BAIDU, resource_iri("org", "baidu-research")]
    assert hits[0].score > hits[1].score


def test_results_are_grouped_by_class_with_counts(sink_graph):
    _, index = sink_graph
    result = index.search("ernie")
    assert result.groups == {"Model": 2, "Application": 1}
    assert result.total == 3


def test_facets_count_and_filter(sink_graph):
    _, index = sink_graph
    everything = index.search("")
    assert everything.total == len(index)
    classes = dict((v, n) for v, _, n in everything.facets["class"])
    assert classes["Organization"] == 5 and classes["Company"] == 1
    orgs = index.search("", classes=["Organization"])
    assert {h.entity.cls for h in orgs.hits} == {"Company", "ResearchInstitution", "GovernmentBody",
                                                 "InvestmentFirm", "Organization"}
    in_office = index.search("", industries=[resource_iri("industry", "office")])
    assert {h.entity.iri for h in in_office.hits} == {ERNIE_BOT, BAIDU, resource_iri("model", "ernie-speed")}
    # a model is in the region of its developer (Baidu: Beijing, part of China)
    in_china = index.search("ernie", regions=[resource_iri("region", "china")])
    assert {h.entity.iri for h in in_china.hits} >= {resource_iri("model", "ernie-3-5"), ERNIE_BOT}
    recent = index.search("ernie", since=2024, until=2024)
    assert [h.entity.iri for h in recent.hits] == [resource_iri("model", "ernie-speed")]


def test_search_input_never_reaches_a_query(sink_graph):
    _, index = sink_graph
    for text in ['" } DELETE WHERE { ?s ?p ?o } #', "<script>", "'; DROP", "\\u0000", "a" * 500]:
        assert index.search(text).total >= 0


def test_entity_card_has_labels_class_relations_both_ways_and_sources(sink_graph):
    store, index = sink_graph
    card = entity_card(store, index, ERNIE_BOT)
    assert card.labels == {"en": "ERNIE Bot", "zh": "文心一言"}
    assert card.cls == "Application" and card.class_labels["zh"] == "应用"
    assert "文心一言App" in card.aliases
    provider = card.outgoing["provided by"][0]
    assert (provider.iri, provider.value) == (BAIDU, "Baidu")
    assert provider.sources[0].graph == "curated/applications"
    assert provider.sources[0].urls == ("https://example.org/ernie-bot",)
    assert provider.sources[0].file.endswith("applications.yaml")
    governs = card.incoming["governs"][0]
    assert governs.iri == resource_iri("policy", "interim-measures")
    assert governs.sources[0].urls == ("https://www.cac.gov.cn/2023-07/13/c_1690898327029107.htm",)
    assert [(f.prop, f.value) for f in card.properties] == [("releaseDate", "2023-03-16")]
    assert card.descriptions["en"] == "Baidu's chat assistant."


def test_resolve_entity_accepts_names_and_suggests_on_a_miss(sink_graph):
    _, index = sink_graph
    assert resolve_entity(index, "文心一言") == ERNIE_BOT
    assert resolve_entity(index, ERNIE_BOT) == ERNIE_BOT
    with pytest.raises(InputError, match="did you mean: ERNIE"):
        resolve_entity(index, "ernie")
    with pytest.raises(InputError, match="no single entity"):
        resolve_entity(index, "zzzz qqqq")


def test_entity_card_of_an_unknown_iri_says_what_to_do(sink_graph):
    store, index = sink_graph
    with pytest.raises(InputError, match="search for its name"):
        entity_card(store, index, resource_iri("org", "nobody"))


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("baidu", "biadu", 2) == 1
    assert edit_distance("abc", "abc", 1) == 0
    assert edit_distance("abcdef", "ab", 2) == 3


def test_timed_sparql_gives_up_on_a_slow_query(sink_graph):
    store, _ = sink_graph
    # a second or two of work (it runs on after the caller gives up, so it must end by itself)
    part = "{ SELECT ?%s WHERE { ?%s ?p%s ?o%s } LIMIT 250 }"
    slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(part % (v, v, v, v) for v in "abc") + " }"
    with pytest.raises(QueryError, match="longer than 0.2 s"):
        run_sparql_timed(store, slow, timeout=0.2)
    assert run_sparql_timed(store, "ASK { ?s a aigc:Model }").boolean is True
