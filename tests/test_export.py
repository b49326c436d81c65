"""Subgraph selection and export: seeds and filters, every format read back, Neo4j round trips, bad input."""

from __future__ import annotations

import io
import json
import re
import zipfile

import neo4j
import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from conftest import ROOT
from kg import InputError, QueryError, ReadOnlyError, load_ontology, open_store
from kg.cli import main
from kg.export import (FORMATS, export_bytes, export_subgraph, property_graph_view, resolve_seed, select_cypher,
                       select_nodes, select_sparql, select_subgraph)
from kg.export.csv_neo4j import parse_header, read_import_files
from kg.export.rdf import jsonld_context
from kg.namespaces import GRAPH, META_GRAPH, RESOURCE
from kg.store import to_rdflib, to_rdflib_graph

R = RESOURCE


@pytest.fixture(scope="module")
def store(built_sink):
    return open_store(built_sink.store)


@pytest.fixture(scope="module")
def curated(curated):
    return curated


def short(iris):
    return sorted(i[len(R):] for i in iris)


# ----------------------------------------------------------------------------- seeds


def test_a_seed_is_found_by_iri_kind_and_slug_slug_label_and_alias(store):
    baidu = R + "org/baidu"
    for text in (baidu, "org/baidu", "baidu", "Baidu", "百度", "百度公司", "  baidu inc  "):
        assert resolve_seed(store, text) == baidu, text


def test_an_unknown_seed_suggests_close_matches(store):
    with pytest.raises(InputError, match=r"no resource is named 'Baidoo'; did you mean 'Baidu'"):
        resolve_seed(store, "Baidoo")
    with pytest.raises(InputError, match="no resource <https://w3id.org/aigc-kg/resource/org/nope>"):
        resolve_seed(store, R + "org/nope")


def test_an_ambiguous_name_lists_the_candidates_with_their_classes(curated):
    with pytest.raises(InputError) as err:
        resolve_seed(open_store(curated / ".kg" / "store"), "DeepSeek")
    assert "'DeepSeek' is ambiguous: 2 resources" in err.value.message
    assert "app/deepseek-app (Application) 'DeepSeek'" in err.value.message
    assert "org/deepseek (Company) 'DeepSeek'" in err.value.message


# ----------------------------------------------------------------------------- selection


def test_one_hop_is_the_subgraph_the_seed_and_its_neighbours_induce(store):
    sel = select_subgraph(store, ["ernie-speed"], hops=1)
    assert short(sel.nodes) == ["industry/office", "model/ernie-3-5", "model/ernie-speed", "org/baidu",
                                "org/baidu-research"]
    # ernie-3-5's link to its dataset leaves the selection; its link to baidu (inside) stays
    triples = {(t.subject.value[len(R):], t.predicate.value.rsplit("#")[-1], t.object.value[len(R):])
               for t in sel.triples() if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(R)}
    assert ("model/ernie-3-5", "developedBy", "org/baidu") in triples
    assert not any(o == "dataset/web-corpus" for _, _, o in triples)
    assert all(isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(GRAPH + "curated/")
               for q in sel.quads)
    assert not any(q.predicate.value == "http://purl.org/dc/terms/source" for q in sel.quads)


def test_direction_relations_and_classes_narrow_the_walk(store):
    out = select_subgraph(store, ["baidu"], hops=1, direction="out")
    assert short(out.nodes) == ["industry/office", "layer/application-layer", "layer/model-layer", "org/baidu",
                                "region/beijing"]
    dev = select_subgraph(store, ["baidu"], hops=1, direction="in", relations=["DEVELOPED_BY"])
    assert short(dev.nodes) == ["model/ernie-3-5", "model/ernie-speed", "org/baidu"]
    orgs = select_subgraph(store, ["ernie-speed"], hops=2, classes=["Organization"])
    assert short(orgs.nodes) == ["model/ernie-speed", "org/baidu", "org/baidu-research"]


def test_layer_region_and_time_filters_keep_matching_or_unvalued_nodes(store):
    recent = select_subgraph(store, ["baidu"], hops=1, direction="in", since="2024")
    assert "model/ernie-speed" in short(recent.nodes) and "model/ernie-3-5" not in short(recent.nodes)
    old = select_subgraph(store, ["baidu"], hops=1, direction="in", until="2023-06")
    assert "model/ernie-3-5" in short(old.nodes) and "model/ernie-speed" not in short(old.nodes)
    layered = select_subgraph(store, ["office"], hops=1, layers=["Model layer"])
    # ernie-bot is in the application layer only; ernie-speed has no layer; baidu is in both
    assert short(layered.nodes) == ["industry/office", "model/ernie-speed", "org/baidu"]
    regional = select_subgraph(store, ["cac"], hops=1, regions=["China"])
    assert "policy/interim-measures" in short(regional.nodes)
    elsewhere = select_subgraph(store, ["cac"], hops=1, regions=["Beijing"])
    assert short(elsewhere.nodes) == ["org/cac"]


def test_too_many_hops_stop_when_nothing_new_is_reached(store):
    far = select_subgraph(store, ["baidu"], hops=1000)
    assert far.depth < 10
    assert set(far.nodes) == set(select_subgraph(store, ["baidu"], hops=far.depth).nodes)
    with pytest.raises(InputError, match="hops must be a whole number"):
        select_subgraph(store, ["baidu"], hops=-1)


def test_a_limit_keeps_the_nearest_nodes_and_tells_the_total(store):
    sel = select_subgraph(store, ["baidu"], hops=2, limit=3)
    assert len(sel.nodes) == 3 and sel.nodes[0] == R + "org/baidu" and sel.total_nodes > 3 and sel.truncated
    assert sel.complete


def test_a_walk_that_stops_at_the_limit_keeps_the_same_nearest_nodes(store):
    for hops in (1, 2, 3):
        reached = select_subgraph(store, ["baidu"], hops=hops).total_nodes
        assert reached > 4
        limit = reached // 2
        full = select_subgraph(store, ["baidu"], hops=hops, limit=limit)
        early = select_subgraph(store, ["baidu"], hops=hops, limit=limit, stop_at_limit=True)
        assert full.truncated and early.truncated and not early.complete
        assert early.nodes == full.nodes and early.quads == full.quads
        assert limit < early.total_nodes <= full.total_nodes
    everything = select_subgraph(store, ["baidu"], hops=1, limit=10_000, stop_at_limit=True)
    assert everything.complete and not everything.truncated


def test_with_sources_brings_documents_links_and_graph_descriptions(store):
    sel = select_subgraph(store, ["beijing"], hops=0, with_sources=True)
    assert short(sel.nodes) == ["doc/ks-report", "region/beijing"]
    preds = {(q.subject.value, q.predicate.value) for q in sel.quads}
    assert (R + "region/beijing", "http://purl.org/dc/terms/source") in preds
    meta = [q for q in sel.quads if q.graph_name.value == META_GRAPH]
    assert {q.subject.value for q in meta} == {GRAPH + "curated/places"}


def test_sparql_construct_keeps_each_triple_in_its_source_graphs(store):
    sel = select_sparql(store, "CONSTRUCT { ?m aigc:developedBy ?o } WHERE { ?m aigc:developedBy ?o }")
    assert len(sel.quads) == 3 and {q.graph_name.value for q in sel.quads} == {GRAPH + "curated/models"}
    assert short(sel.nodes) == ["model/ernie-3-5", "model/ernie-speed", "org/baidu", "org/baidu-research"]
    rows = select_sparql(store, "SELECT ?o WHERE { ?o a aigc:InvestmentFirm }")
    assert short(rows.nodes) == ["org/some-capital"]


def test_a_malformed_or_writing_query_is_refused(store):
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        select_sparql(store, "CONSTRUCT { ?s ?p } WHERE { ?s ?p ?o }")
    with pytest.raises(ReadOnlyError):
        select_sparql(store, "DELETE WHERE { ?s ?p ?o }")


# ----------------------------------------------------------------------------- formats


def _dataset(quads) -> dict[str, rdflib.Graph]:
    graphs: dict[str, rdflib.Graph] = {}
    for q in quads:
        graphs.setdefault(q.graph_name.value, rdflib.Graph()).add(
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graphs


@pytest.mark.parametrize("fmt, rdflib_format", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld")])
def test_triple_exports_read_back_isomorphic_to_the_selection(store, fmt, rdflib_format):
    sel = select_subgraph(store, ["baidu"], hops=2)
    back = rdflib.Graph().parse(data=export_bytes(sel, fmt), format=rdflib_format)
    assert len(back) > 50 and isomorphic(back, to_rdflib_graph(sel.quads))


@pytest.mark.parametrize("fmt, rdflib_format", [("nquads", "nquads"), ("trig", "trig"), ("jsonld", "json-ld")])
def test_quad_exports_keep_every_named_graph(store, fmt, rdflib_format):
    sel = select_subgraph(store, ["baidu"], hops=2, with_sources=True)
    back = rdflib.Dataset()
    back.parse(data=export_bytes(sel, fmt), format=rdflib_format)
    expected = _dataset(sel.quads)
    got = {str(g.identifier): g for g in back.graphs() if len(g)}
    assert sorted(got) == sorted(expected) and len(expected) >= 5
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), name


def test_jsonld_is_compacted_with_the_published_context_which_names_every_property(store):
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert context == jsonld_context()
    for prop in load_ontology().properties.values():
        term = context.get(prop.name)
        iri = term if isinstance(term, str) else (term or {}).get("@id")
        assert iri == f"aigc:{prop.name}", f"ontology/context.jsonld has no term for aigc:{prop.name}; add it"
    assert context["parameterCount"]["@type"] == "xsd:integer" and context["label"]["@container"] == "@language"
    doc = json.loads(export_bytes(select_subgraph(store, ["ernie-speed"], hops=0), "jsonld"))
    [node] = doc["@graph"] if "@graph" in doc else [doc]
    assert node["label"] == {"en": "ERNIE Speed"} and node["parameterCount"] == "175000000000"
    assert node["@type"] == "Model"


def _expected_graph(sel):
    view = property_graph_view(sel)
    return view, {n.uri: n for n in view.nodes}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_read_back_by_networkx_with_typed_attributes(store, tmp_path, fmt):
    sel = select_subgraph(store, ["baidu"], hops=2)
    path = tmp_path / f"sub.{fmt}"
    export_subgraph(sel, fmt, path)
    G = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    view, nodes = _expected_graph(sel)
    assert set(G.nodes) == set(nodes)
    assert sorted((u, v, d["relationship"]) for u, v, d in G.edges(data=True)) == \
        sorted((r.start, r.end, r.type) for r in view.rels)
    baidu = G.nodes[R + "org/baidu"]
    assert (baidu["label_zh"], baidu["label_en"], baidu["class"]) == ("百度", "Baidu", "Company")
    assert baidu["aliases"] == "Baidu Inc.|百度公司" and baidu["foundedDate"] == "2000-01"
    speed = G.nodes[R + "model/ernie-speed"]
    assert speed["parameterCount"] == 175000000000 and speed["openWeights"] is False
    assert (speed["label"] if fmt == "graphml" else speed["label"]) == "ERNIE Speed"


def test_csv_headers_follow_neo4j_admin_and_load_into_neo4j_with_the_same_counts(store, tmp_path, neo4j_db):
    sel = select_subgraph(store, ["baidu"], hops=2)
    export_subgraph(sel, "csv", tmp_path / "csv")
    files = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert "relationships.csv" in files and "import.sh" in files and "nodes-Company_Organization.csv" in files
    header = (tmp_path / "csv" / "nodes-Model.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:2] == ["uri:ID", ":LABEL"] and "parameterCount:long" in header and "aliases:string[]" not in header
    nodes, rels = read_import_files(tmp_path / "csv")
    with neo4j.GraphDatabase.driver(neo4j_db.settings.uri, auth=("neo4j", neo4j_db.settings.password)) as driver:
        driver.execute_query("UNWIND $rows AS row CREATE (n:$(row.labels)) SET n = row.props",
                             rows=[{"labels": n["labels"], "props": n["props"]} for n in nodes])
        driver.execute_query("UNWIND $rows AS r MATCH (a:Resource {uri: r.start}) MATCH (b:Resource {uri: r.end}) "
                             "CREATE (a)-[x:$(r.type)]->(b) SET x = r.props", rows=rels)
        labels = {r["l"]: r["n"] for r in driver.execute_query(
            "MATCH (n) UNWIND labels(n) AS l RETURN l, count(*) AS n").records}
        types = {r["t"]: r["n"] for r in driver.execute_query(
            "MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n").records}
        [speed] = driver.execute_query("MATCH (m:Model {id: 'ernie-speed'}) RETURN m.parameterCount AS p").records
    pg = sel.property_graph()
    assert labels == pg.label_counts() and types == pg.rel_counts() and speed["p"] == 175000000000
    with zipfile.ZipFile(io.BytesIO(export_bytes(sel, "csv"))) as zf:
        assert read_import_files(zf) == (nodes, rels)


def test_a_bad_csv_header_is_reported():
    with pytest.raises(InputError, match="needs exactly one :ID"):
        parse_header(["name:string"], "nodes", "nodes.csv")
    with pytest.raises(InputError, match="unknown type 'text'"):
        parse_header(["uri:ID", "name:text"], "nodes", "nodes.csv")


def test_the_cypher_script_recreates_the_subgraph_in_an_empty_neo4j(store, neo4j_db):
    sel = select_subgraph(store, ["baidu"], hops=2)
    script = export_bytes(sel, "cypher").decode("utf-8")
    with neo4j.GraphDatabase.driver(neo4j_db.settings.uri, auth=("neo4j", neo4j_db.settings.password)) as driver:
        for line in script.splitlines():
            if line.strip() and not line.startswith("//"):
                driver.execute_query(line)
        rows = driver.execute_query("MATCH (n:Resource) RETURN n.uri AS uri, labels(n) AS l, properties(n) AS p").records
        rels = driver.execute_query("MATCH (a)-[r]->(b) RETURN a.uri AS a, type(r) AS t, b.uri AS b, "
                                    "r.sources AS s").records
    view, nodes = _expected_graph(sel)
    got = {r["uri"]: (sorted(r["l"]), {k: v.to_native() if hasattr(v, "to_native") else v for k, v in r["p"].items()})
           for r in rows}
    assert got == {u: (n.labels, n.props) for u, n in nodes.items()}
    assert sorted((r["a"], r["t"], r["b"], tuple(r["s"])) for r in rels) == \
        sorted((r.start, r.type, r.end, r.sources) for r in view.rels)


def test_a_cypher_selection_takes_the_facts_from_the_store_or_from_neo4j(store, built_sink, neo4j_db):
    from kg.sync import sync_store

    sync_store(store, load_ontology(), neo4j_db.settings)
    query = "MATCH p = (:Model {id: 'ernie-speed'})-[:DEVELOPED_BY]->(:Organization) RETURN p"
    with_store = select_cypher(neo4j_db.settings, query, store=store)
    assert short(with_store.nodes) == ["model/ernie-speed", "org/baidu", "org/baidu-research"]
    assert isomorphic(to_rdflib_graph(with_store.quads), to_rdflib_graph(select_nodes(store, with_store.nodes).quads))
    rebuilt = select_cypher(neo4j_db.settings, query)
    assert set(rebuilt.nodes) == set(with_store.nodes)
    lexical = {(t.subject, t.predicate, t.object) for t in with_store.triples()
               if t.predicate.value != "https://w3id.org/aigc-kg/ontology#trainingCompute"}
    assert lexical == {(t.subject, t.predicate, t.object) for t in rebuilt.triples()}
    with pytest.raises(ReadOnlyError):
        select_cypher(neo4j_db.settings, "MATCH (n) DETACH DELETE n")


# ----------------------------------------------------------------------------- bounds and bad input


def test_a_selection_above_the_bound_needs_force(store, tmp_path):
    sel = select_subgraph(store, ["baidu"], hops=2)
    with pytest.raises(InputError, match="more than the bound of 10; .* --force"):
        export_subgraph(sel, "ntriples", tmp_path / "x.nt", bound=10)
    assert not (tmp_path / "x.nt").exists()
    export_subgraph(sel, "ntriples", tmp_path / "x.nt", bound=10, force=True)
    assert (tmp_path / "x.nt").stat().st_size > 0


def test_progress_is_reported_while_writing(store):
    messages = []
    export_bytes(select_subgraph(store, ["baidu"], hops=1), "csv", progress=messages.append)
    assert any("nodes-Company_Organization.csv" in m for m in messages) and messages[-1].startswith("wrote ")


def test_an_unknown_format_or_unwritable_path_is_bad_input(store, tmp_path):
    sel = select_subgraph(store, ["baidu"], hops=0)
    with pytest.raises(InputError, match="unknown export format 'xml'; choose one of turtle"):
        export_subgraph(sel, "xml", tmp_path / "x.xml")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match=r"cannot write .*file/out.ttl"):
        export_subgraph(sel, "turtle", blocker / "out.ttl")
    assert set(FORMATS) == {"turtle", "ntriples", "nquads", "trig", "jsonld", "graphml", "gexf", "csv", "cypher", "html"}


def test_html_is_a_standalone_page(store):
    page = export_bytes(select_subgraph(store, ["baidu"], hops=1), "html").decode("utf-8")
    assert "new vis.Network(" in page and "Baidu" in page and ("百度" in page or "\\u767e\\u5ea6" in page)
    assert not re.search(r'(src|href)="(https?:|\.\./)', page)  # nothing to fetch


# ----------------------------------------------------------------------------- CLI


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_kg_export_writes_a_file_and_reports_what_it_wrote(built_sink, tmp_path):
    out = tmp_path / "b.ttl"
    result = run("export", "baidu", "--hops", "2", "--format", "turtle", "-o", out, "--config", built_sink.config)
    assert result.exit_code == 0, result.output
    assert "nodes" in result.stderr and isomorphic(
        rdflib.Graph().parse(out), to_rdflib_graph(select_subgraph(open_store(built_sink.store), ["baidu"], hops=2).quads))


def test_kg_export_bad_input_exits_1_and_usage_errors_exit_2(built_sink, curated):
    unknown = run("export", "Baidoo", "--config", built_sink.config)
    assert unknown.exit_code == 1 and "did you mean 'Baidu'" in unknown.stderr
    ambiguous = run("export", "DeepSeek", "--config", curated / "kg.toml")
    assert ambiguous.exit_code == 1 and "org/deepseek (Company)" in ambiguous.stderr
    assert run("export", "baidu", "--format", "xml", "--config", built_sink.config).exit_code == 2
    assert run("export", "--config", built_sink.config).exit_code == 2
    bad = run("export", "--sparql", "CONSTRUCT { ?s ?p } WHERE {}", "--config", built_sink.config)
    assert bad.exit_code == 1 and "SPARQL syntax error" in bad.stderr


def test_kg_export_on_the_curated_graph(curated, tmp_path):
    out = tmp_path / "deepseek.graphml"
    result = run("export", "DeepSeek-V3", "--hops", "1", "--format", "graphml", "-o", out, "--config", curated / "kg.toml")
    assert result.exit_code == 0, result.output
    G = nx.read_graphml(out)
    assert G.nodes[R + "org/deepseek"]["label_en"] == "DeepSeek"
    assert (R + "model/deepseek-v3", R + "org/deepseek") in G.edges


def test_html_export_keeps_hostile_labels_as_text():
    """A label holding markup stays text in the exported page's data, even when pyvis would use innerHTML."""
    from kg.export.html import text_titles

    evil = "<img src=x onerror=alert(1)>"
    assert text_titles([evil, "plain"]) == [evil, "plain"]  # shown with innerText by vis-network
    escaped = text_titles([evil, '<a href="x">y</a>'])  # pyvis switches to innerHTML: all escaped
    assert escaped[0] == "&lt;img src=x onerror=alert(1)&gt;" and "<a" not in escaped[1]
