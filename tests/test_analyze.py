"""Graph analysis: the networkx graph, centrality, communities, explained paths, summaries, charts,
and the same results from the embedded store and from Neo4j."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg import InputError, load_ontology, open_store
from kg.analyze import (MEASURES, SUMMARIES, centrality, communities, communities_table, ecosystem_summary,
                        explain_paths, to_networkx)
from kg.charts import summary_chart
from kg.cli import main
from kg.export import select_subgraph
from kg.namespaces import RESOURCE as R
from kg.query import format_result


@pytest.fixture(scope="module")
def store(built_sink):
    return open_store(built_sink.store)


@pytest.fixture(scope="module")
def G(store):
    return to_networkx(store)


@pytest.fixture(scope="module")
def curated(curated):
    return curated


def test_the_graph_has_typed_nodes_and_edges_without_source_links(G, store):
    baidu = G.nodes[R + "org/baidu"]
    assert baidu["class"] == "Company" and baidu["labels"] == ["Company", "Organization", "Resource"]
    assert baidu["label_zh"] == "百度" and baidu["aliases"] == ["Baidu Inc.", "百度公司"]
    edge = G.edges[R + "model/ernie-speed", R + "org/baidu", "DEVELOPED_BY"]
    assert edge["predicate"] == "developedBy" and edge["sources"] == ["curated/models"]
    assert not any(k == "SOURCE" for _, _, k in G.edges(keys=True))
    assert any(k == "SOURCE" for _, _, k in to_networkx(store, include_sources=True).edges(keys=True))
    assert len(G) == 19


def test_a_selection_becomes_a_graph_of_its_nodes(store):
    sub = to_networkx(select_subgraph(store, ["ernie-speed"], hops=1))
    assert sorted(n[len(R):] for n in sub) == ["industry/office", "model/ernie-3-5", "model/ernie-speed",
                                               "org/baidu", "org/baidu-research"]


def test_centrality_ranks_the_top_nodes_of_each_class(G):
    table = centrality(G, "degree", top=1)
    by_class = {row[0]: row[2] for row in table.rows}
    assert by_class["Company"] == "baidu" and by_class["Model"] == "ernie-3-5"
    overall = centrality(G, "pagerank", by_class=False, top=100)
    assert abs(sum(row[4] for row in overall.rows) - 1.0) < 1e-4
    between = centrality(G, "betweenness", by_class=False, top=1)
    assert between.rows[0][2] == "baidu"
    with pytest.raises(InputError, match="unknown centrality measure 'closeness'"):
        centrality(G, "closeness")


def test_communities_cover_every_node_and_are_the_same_every_run(G):
    parts = communities(G)
    assert sorted(n for p in parts for n in p) == sorted(G) and len(parts) > 1
    assert parts == communities(G)
    table = communities_table(G, parts)
    assert table.rows[0][1] == len(parts[0]) and table.variables == ["community", "size", "classes", "members"]


def test_paths_are_explained_hop_by_hop_in_words(store, G):
    [path] = explain_paths(store, "ERNIE Speed", "Beijing", graph=G)
    assert path.text == "ERNIE Speed —developedBy→ Baidu —headquarteredIn→ Beijing"
    back = explain_paths(store, "Beijing", "ernie-bot", k=2, graph=G)
    assert back[0].text == "Beijing ←headquarteredIn— Baidu ←providedBy— ERNIE Bot"
    assert len(back) == 2 and len(back[1]) >= len(back[0])


def test_unconnected_entities_have_no_path_and_bad_names_are_reported(store, G):
    G2 = G.copy()
    G2.remove_edges_from([e for e in G.edges(keys=True) if R + "org/some-org" in e[:2]])
    assert explain_paths(store, "some-org", "baidu", graph=G2) == []
    with pytest.raises(InputError, match="did you mean 'Baidu'"):
        explain_paths(store, "Baidoo", "beijing", graph=G)
    with pytest.raises(InputError, match="the same entity"):
        explain_paths(store, "baidu", "百度", graph=G)


def test_why_are_deepseek_v3_and_hangzhou_connected(curated):
    store = open_store(curated / ".kg" / "store")
    paths = explain_paths(store, "DeepSeek-V3", "Hangzhou", k=3)
    assert paths[0].text == "DeepSeek-V3 —developedBy→ DeepSeek —headquarteredIn→ Hangzhou"
    assert len(paths) == 3 and [len(p) for p in paths] == sorted(len(p) for p in paths)


def test_the_summaries_count_what_the_kitchen_sink_holds(G):
    layers = {tuple(r[:2]): r[2:] for r in ecosystem_summary(G, "layer-industry").rows}
    assert layers[("Model layer", "Office")] == [1, 0, 0, 1]  # baidu
    assert layers[("Model layer", "(none)")] == [0, 1, 0, 1]  # ernie-3-5
    assert layers[("(none)", "Office")] == [0, 1, 0, 1]  # ernie-speed
    region = ecosystem_summary(G, "region").rows
    assert ["China", "Beijing", 1, 2, 1] in region
    years = ecosystem_summary(G, "models-per-year").rows
    assert ["2023", "Text", "unknown", 1] in years and ["2024", "(none)", "closed", 1] in years
    funding = ecosystem_summary(G, "funding-by-year-layer").rows
    assert funding == [["2005", "Application layer", "USD", 1, 1000000.5, 1], ["2005", "Model layer", "USD", 1, 1000000.5, 1]]
    [policy] = ecosystem_summary(G, "policy-timeline").rows
    assert policy == ["2023-07-10", "2023", "Interim Measures for the Administration of Generative AI Services",
                      "生成式人工智能服务管理暂行办法", "Cyberspace Administration of China", "China", "in force"]
    with pytest.raises(InputError, match="unknown summary 'size'"):
        ecosystem_summary(G, "size")


def test_summaries_render_as_table_csv_json_and_charts(G):
    table = ecosystem_summary(G, "funding-by-year-layer")
    assert json.loads(format_result(table, "json"))["columns"][:3] == ["year", "layer", "currency"]
    assert format_result(table, "csv").splitlines()[1] == "2005,Application layer,USD,1,1000000.5,1"
    assert "Model layer" in format_result(table, "table")
    png = summary_chart(table, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    page = summary_chart(ecosystem_summary(G, "policy-timeline"), "html").decode("utf-8")
    assert "<svg" in page and "<title>2023 · China: 1</title>" in page
    with pytest.raises(InputError, match="unknown chart format"):
        summary_chart(table, "pdf")


@pytest.mark.neo4j
def test_results_are_the_same_from_the_store_and_from_neo4j(store, G, neo4j_db):
    from kg.sync import sync_store

    sync_store(store, load_ontology(), neo4j_db.settings)
    N = to_networkx(neo4j_db.settings)
    assert dict(N.nodes(data=True)) == dict(G.nodes(data=True))
    assert sorted(N.edges(keys=True, data=True)) == sorted(G.edges(keys=True, data=True))
    for measure in MEASURES:
        assert centrality(N, measure).rows == centrality(G, measure).rows
    assert communities(N) == communities(G)
    for name in SUMMARIES:
        assert ecosystem_summary(neo4j_db.settings, name).rows == ecosystem_summary(store, name).rows


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_kg_analyze_on_the_curated_graph(curated, tmp_path):
    cfg = curated / "kg.toml"
    path = run("analyze", "path", "DeepSeek-V3", "Hangzhou", "-k", "2", "--config", cfg)
    assert path.exit_code == 0 and path.stdout.splitlines()[0] == \
        "2 hop(s): DeepSeek-V3 —developedBy→ DeepSeek —headquarteredIn→ Hangzhou"
    cent = run("analyze", "centrality", "--top", "1", "--format", "json", "--config", cfg)
    rows = {r[0]: r[2] for r in json.loads(cent.stdout)["rows"]}
    assert cent.exit_code == 0 and rows["Company"] == "alibaba-cloud"
    chart = tmp_path / "policies.html"
    summ = run("analyze", "summary", "policy-timeline", "--format", "csv", "--chart", chart, "--config", cfg)
    assert summ.exit_code == 0 and summ.stdout.startswith("date,year,policy,policy_zh,issued_by,jurisdiction,status")
    assert "<svg" in chart.read_text(encoding="utf-8")
    assert run("analyze", "communities", "--config", cfg).exit_code == 0
    bad = run("analyze", "path", "DeepSeek", "Hangzhou", "--config", cfg)
    assert bad.exit_code == 1 and "ambiguous" in bad.stderr
    assert run("analyze", "summary", "nope", "--config", cfg).exit_code == 2
