"""Reports in the store: PROV-O provenance, re-ingestion, candidates (list, promote, dismiss)."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import DATA, KITCHEN_SINK, SHARED, Project
from kg import load_config, open_store
from kg.cli import main
from kg.namespaces import AIGC, GRAPH, RESOURCE

REPORT = SHARED / "reports" / "china-aigc-industry-2023.md"
SINK_REPORT = DATA / "reports" / "sink-report.md"


def run(*args, config):
    return CliRunner().invoke(main, [*args, "--config", str(config)])


def select(project_store, query: str) -> list[dict]:
    from kg.namespaces import sparql_prefixes

    rows = open_store(project_store).query(sparql_prefixes() + query, use_default_graph_as_union=True)
    return [{v.value: (r[v].value if r[v] is not None else None) for v in rows.variables} for r in rows]


@pytest.fixture
def curated_copy(curated, tmp_path):
    """A writable copy of the project holding the shipped curated graph."""
    dest = tmp_path / "curated"
    shutil.copytree(curated, dest)
    return dest


@pytest.fixture
def sink_reports(sink) -> Project:
    """The kitchen sink plus a report source (tests/data/reports/sink-report.md), built."""
    (sink.root / "reports").mkdir()
    shutil.copy(SINK_REPORT, sink.root / "reports")
    sink.write_config('\n[[sources]]\nkind = "report"\npath = "reports"\n')
    result = run("build", "-q", config=sink.config)
    assert result.exit_code == 0, result.output
    return sink


def test_ingesting_the_originating_report_records_provenance(curated_copy):
    config = curated_copy / "kg.toml"
    result = run("ingest", "report", str(REPORT), config=config)
    assert result.exit_code == 0, result.output
    extracted = run("extract", str(REPORT), config=config).output.strip().splitlines()
    store = curated_copy / ".kg" / "store"
    graph = f"{GRAPH}report/china-aigc-industry-2023"
    assert ox.NamedNode(graph) in set(open_store(store).named_graphs())
    # every mention kg extract finds is in the report's graph, derived from a paragraph of the document
    [count] = select(store, f"""SELECT (COUNT(?m) AS ?n) WHERE {{ GRAPH <{graph}> {{
        ?m a aigc:Mention ; aigc:inParagraph ?p . ?p aigc:partOfDocument <{RESOURCE}doc/china-aigc-industry-2023> }} }}""")
    assert int(count["n"]) == len(extracted) > 50
    # the report's "280笔投融资" is a Statistic about the paragraph, with its value and unit
    [stat] = select(store, """SELECT ?v ?u ?kind ?text ?s ?e WHERE { ?x a aigc:Statistic ; aigc:surfaceForm "280笔" ;
        aigc:statisticValue ?v ; aigc:unit ?u ; aigc:statisticKind ?kind ; aigc:startOffset ?s ; aigc:endOffset ?e ;
        aigc:inParagraph/aigc:paragraphText ?text }""")
    assert (float(stat["v"]), stat["u"], stat["kind"]) == (280.0, "笔", "count")
    assert stat["text"][int(stat["s"]):int(stat["e"])] == "280笔"
    # the curated Document record and the report's graph describe the same document
    labels = select(store, f"SELECT ?l WHERE {{ <{RESOURCE}doc/china-aigc-industry-2023> rdfs:label ?l }}")
    assert [r["l"] for r in labels] == ["2023年中国AIGC产业发展趋势与模型架构"]


def test_re_ingesting_a_report_replaces_its_graph(curated_copy, tmp_path):
    config = curated_copy / "kg.toml"
    copy = tmp_path / "china-aigc-industry-2023.md"
    shutil.copy(REPORT, copy)
    assert run("ingest", "report", str(copy), "-q", config=config).exit_code == 0
    store = curated_copy / ".kg" / "store"
    first = set(open_store(store).quads_for_pattern(None, None, None, ox.NamedNode(f"{GRAPH}report/china-aigc-industry-2023")))
    assert run("ingest", "report", str(copy), "-q", config=config).exit_code == 0
    again = set(open_store(store).quads_for_pattern(None, None, None, ox.NamedNode(f"{GRAPH}report/china-aigc-industry-2023")))
    assert again == first  # no duplicates
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("280笔", "二百八十笔"), encoding="utf-8")
    assert run("ingest", "report", str(copy), "-q", config=config).exit_code == 0
    assert select(store, 'SELECT ?x WHERE { ?x aigc:surfaceForm "280笔" }') == []


def test_an_unreadable_report_leaves_the_store_unchanged(sink_reports, tmp_path):
    before = sink_reports.store_fingerprint()
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"\x00\x01not a pdf")
    result = run("ingest", "report", str(bad), config=sink_reports.config)
    assert result.exit_code == 1
    assert "scan.pdf" in result.output
    assert sink_reports.store_fingerprint() == before


def test_the_kitchen_sink_with_a_report_uses_every_class_and_property(sink_reports):
    from kg import load_ontology
    from kg.namespaces import ONTOLOGY_GRAPH

    onto = load_ontology()
    store = open_store(sink_reports.store)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    used_classes = {q.object.value for q in store.quads_for_pattern(None, rdf_type, None)}
    used_props = {q.predicate.value for q in store.quads_for_pattern(None, None, None)
                  if q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH)}
    abstract = {str(AIGC.ReportElement)}  # only its subclasses have instances
    assert {c.iri for c in onto.classes.values()} - abstract <= used_classes
    assert {p.iri for p in onto.properties.values()} <= used_props


def test_a_pattern_relation_is_asserted_by_the_report_with_its_evidence(sink_reports):
    graph = f"{GRAPH}report/sink-report"
    rows = select(sink_reports.store, f"""SELECT ?g ?evidence WHERE {{
        GRAPH ?g {{ <{RESOURCE}model/ernie-3-5> aigc:developedBy <{RESOURCE}org/baidu> }}
        ?r aigc:relationKind "developedBy" ; aigc:evidenceText ?evidence ; aigc:relationSubject <{RESOURCE}model/ernie-3-5> }}""")
    assert {r["g"] for r in rows} >= {graph}
    assert {r["evidence"] for r in rows} == {"百度发布文心大模型3.5"}


def test_candidates_are_listed_with_counts_and_reports(sink_reports):
    result = run("candidates", "--format", "csv", config=sink_reports.config)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "name,type,count,reports,iri"
    rows = {tuple(line.split(",")[:4]) for line in lines[1:]}
    assert rows == {("Acme Labs", "Organization", "2", "Kitchen-sink industry notes 2024"),
                    ("Zeta-7B", "Model", "1", "Kitchen-sink industry notes 2024"),
                    ("星河智能科技公司", "Organization", "1", "Kitchen-sink industry notes 2024"),
                    ("人工智能测试管理规定", "Policy", "1", "Kitchen-sink industry notes 2024")}


def test_promoting_a_candidate_adds_a_sourced_record_and_relinks_its_mentions(sink_reports):
    result = run("candidates", "promote", "acme labs", "--kind", "Company", config=sink_reports.config)
    assert result.exit_code == 0, result.output
    added = (sink_reports.data / "promoted.yaml").read_text(encoding="utf-8")
    assert "id: acme-labs" in added and "kind: Company" in added
    assert "- https://example.org/reports/sink-notes" in added  # the report is the source
    targets = select(sink_reports.store, 'SELECT ?t WHERE { ?m aigc:surfaceForm "Acme Labs" ; aigc:refersTo ?t }')
    assert {r["t"] for r in targets} == {f"{RESOURCE}org/acme-labs"}
    names = run("candidates", "--format", "csv", config=sink_reports.config).output
    assert "Acme Labs" not in names and "Zeta-7B" in names
    # the next full build keeps it: the YAML is the record
    assert run("build", "-q", config=sink_reports.config).exit_code == 0
    assert select(sink_reports.store, f"SELECT ?l WHERE {{ <{RESOURCE}org/acme-labs> rdfs:label ?l }}") == [{"l": "Acme Labs"}]


def test_a_refused_promotion_changes_nothing(sink_reports):
    before = sink_reports.store_fingerprint()
    result = run("candidates", "promote", "Zeta-7B", config=sink_reports.config)  # a Model needs developedBy
    assert result.exit_code == 1
    assert "developedBy" in result.output and "--set KEY=VALUE" in result.output
    assert not (sink_reports.data / "promoted.yaml").exists()
    assert sink_reports.store_fingerprint() == before
    chinese = run("candidates", "promote", "星河智能科技公司", config=sink_reports.config)
    assert chinese.exit_code == 1 and "--id" in chinese.output
    unknown = run("candidates", "promote", "Acme Lab", config=sink_reports.config)
    assert unknown.exit_code == 1 and "did you mean Acme Labs" in unknown.output


def test_a_dismissed_candidate_is_no_longer_listed(sink_reports):
    result = run("candidates", "dismiss", "人工智能测试管理规定", config=sink_reports.config)
    assert result.exit_code == 0, result.output
    assert "Policy\t人工智能测试管理规定" in (sink_reports.root / "dismissed-candidates.tsv").read_text(encoding="utf-8")
    listed = run("candidates", "--format", "csv", config=sink_reports.config).output
    assert "人工智能测试管理规定" not in listed and "Zeta-7B" in listed


def test_mentions_of_an_entity_give_the_paragraph_and_offsets(sink_reports):
    from kg.reports import mentions_of

    [found] = mentions_of(open_store(sink_reports.store), f"{RESOURCE}app/ernie-bot")
    assert found["text"][found["start"]:found["end"]] == found["surface"] == "文心一言"
    assert found["document_label"] == "Kitchen-sink industry notes 2024" and found["section"] == "模型"


def test_report_nodes_sync_to_neo4j(sink_reports, neo4j_db):
    result = CliRunner().invoke(main, ["sync", "--verify", "-q", "--config", str(sink_reports.config)],
                                env=neo4j_db.env())
    assert result.exit_code == 0, result.output
    import neo4j

    with neo4j.GraphDatabase.driver(neo4j_db.settings.uri, auth=("neo4j", neo4j_db.settings.password)) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (m:Mention)-[:REFERS_TO]->(a:Application {id: 'ernie-bot'}), (m)-[:IN_PARAGRAPH]->(p:Paragraph) "
            "RETURN m.surfaceForm AS s, m.startOffset AS start, p.paragraphText AS text")
    assert [(r["s"], r["text"][r["start"]:r["start"] + 4]) for r in records] == [("文心一言", "文心一言")]


def test_build_and_ingest_link_the_same_way(sink_reports, tmp_path):
    """A report listed in kg.toml (kg build) and one added by kg ingest report give the same graph."""
    graph = ox.NamedNode(f"{GRAPH}report/sink-report")
    built = set(open_store(sink_reports.store).quads_for_pattern(None, None, None, graph))
    other = Project(tmp_path / "other")
    other.add(KITCHEN_SINK)
    assert run("build", "-q", config=other.config).exit_code == 0
    assert run("ingest", "report", str(SINK_REPORT), "-q", config=other.config).exit_code == 0
    assert set(open_store(other.store).quads_for_pattern(None, None, None, graph)) == built
    assert load_config(other.config).sources[0].kind == "curated"
