"""The explorer's pages, run by Streamlit's AppTest on the kitchen sink plus an entity with a hostile label."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import ui
from kg.namespaces import resource_iri

from conftest import DATA, KITCHEN_SINK, Project

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
APP = str(Path(ui.__file__).parent / "app.py")
ERNIE_BOT = resource_iri("app", "ernie-bot")
EVIL_IRI = resource_iri("app", "evil-app")
EVIL_EN = "<img src=x onerror=alert(1)>"
EVIL_ZH = "<script>alert(2)</script>"
EVIL_YAML = f"""\
- id: evil-app
  kind: Application
  label: {{en: "{EVIL_EN}", zh: "{EVIL_ZH}"}}
  aliases: ["[click](javascript:alert(3))"]
  providedBy: baidu
  sources: [https://example.org/evil]
"""


def build_ui_project(root: Path) -> Project:
    """The kitchen sink, its report, and an application whose labels hold HTML and script, built."""
    import shutil

    from kg import build_graph, load_config

    proj = Project(root)
    proj.add(KITCHEN_SINK)
    (proj.data / "evil.yaml").write_text(EVIL_YAML, encoding="utf-8")
    (root / "reports").mkdir()
    shutil.copy(DATA / "reports" / "sink-report.md", root / "reports")
    proj.write_config('\n[[sources]]\nkind = "report"\npath = "reports"\n')
    build_graph(load_config(proj.config))
    return proj


@pytest.fixture(scope="module")
def ui_project(tmp_path_factory):
    return build_ui_project(tmp_path_factory.mktemp("ui") / "proj")


@pytest.fixture
def app(ui_project, monkeypatch):
    monkeypatch.setenv("KG_CONFIG", str(ui_project.config))
    monkeypatch.delenv("NEO4J_URI", raising=False)

    def run(**params) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()
    return run


def _markup(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_search_finds_ernie_bot_by_its_chinese_name_and_opens_it(app):
    at = app()
    assert not at.exception
    at.text_input(key="search_q").input("文心一言").run()
    markup = _markup(at)
    assert "ERNIE Bot" in markup and "Application" in markup
    assert f'iri={ERNIE_BOT.replace(":", "%3A").replace("/", "%2F")}' in markup
    at.button(key="open_best").click().run()
    assert not at.exception
    assert at.query_params["page"] == ["entity"] or at.query_params["page"] == "entity"
    assert "provided by" in _markup(at) and "Baidu" in _markup(at)


def test_search_is_tolerant_of_case_width_and_typos_and_counts_per_class(app):
    at = app(q="ＥＲＮＩＥ")
    markup = _markup(at)
    assert "ERNIE Bot" in markup and "ERNIE 3.5" in markup
    assert "3 result(s)" in at.caption[0].value
    assert "ERNIE Bot" in _markup(app(q="ernei bot"))


def test_entity_page_shows_labels_relations_sources_both_ways(app):
    at = app(page="entity", iri=ERNIE_BOT)
    assert not at.exception
    markup = _markup(at)
    assert "ERNIE Bot" in markup and "文心一言" in markup
    assert "provided by" in markup and "Baidu" in markup  # who built it
    assert "powered by" in markup and "ERNIE 3.5" in markup  # what it is based on
    assert "← governs" in markup and "Interim Measures" in markup  # which policies govern it
    assert "https://example.org/ernie-bot" in markup and "curated/applications" in markup  # sources
    assert "← mentions" in markup and "Kitchen-sink report" in markup  # documents mentioning it


def test_entity_page_by_name_and_a_helpful_error_for_an_unknown_one(app):
    assert "Baidu" in _markup(app(page="entity", name="百度"))
    at = app(page="entity", name="no such thing")
    assert "no single entity" in at.error[0].value


def test_graph_view_draws_the_neighbourhood_without_running_physics(app):
    at = app(page="graph", seed=ERNIE_BOT, hops="2")
    assert not at.exception
    assert any(c.value.startswith("Showing") for c in at.caption)
    frame = at.get("iframe")[0].proto.srcdoc
    assert "vis.Network" in frame and ERNIE_BOT in frame and '"physics": {"enabled": false}' in frame


def test_graph_view_caps_nodes_with_a_clear_message(app):
    at = app(page="graph", seed=ERNIE_BOT, hops="3", cap="5")
    assert not at.exception
    warning = at.warning[0].value
    assert warning.startswith("Showing the nearest 5 nodes; more lie within 3 hop(s)") and "Raise the node cap" in warning
    assert any(e.label == "The 5 nodes as a table" for e in at.expander)


def test_export_of_the_view_is_offered_for_download(app):
    at = app(page="graph", seed=ERNIE_BOT)
    assert not at.exception
    assert any(b.label.startswith("Download turtle") for b in at.get("download_button"))


def test_sparql_example_runs_and_offers_downloads(app):
    at = app(page="query")
    at.button(key="run_sparql").click().run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert "ERNIE 3.5" in set(frame["name"])
    labels = [b.label for b in at.get("download_button")]
    assert "Download CSV" in labels and "Download JSON" in labels


def test_sparql_updates_are_refused(app):
    at = app(page="query")
    at.text_area[0].input("DELETE WHERE { ?s ?p ?o }").run()
    at.button(key="run_sparql").click().run()
    assert "read-only" in at.error[0].value


def test_cypher_without_neo4j_says_how_to_start_it(app):
    at = app(page="query")
    assert any("kg neo4j start" in i.value for i in at.info)


def test_cypher_runs_on_a_configured_neo4j_and_refuses_writes(ui_project, neo4j_db, monkeypatch):
    from click.testing import CliRunner

    from kg.cli import main

    synced = CliRunner().invoke(main, ["sync", "-q", "--config", str(ui_project.config)], env=neo4j_db.env())
    assert synced.exit_code == 0, synced.output
    monkeypatch.setenv("KG_CONFIG", str(ui_project.config))
    for key, value in neo4j_db.env().items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "query"
    at.run()
    at.button(key="run_cypher").click().run()
    assert not at.exception
    [frame] = [d.value for d in at.dataframe]
    assert list(frame.columns) == ["developer", "models"] and "Baidu" in set(frame["developer"])
    at.text_area(key="cypher_text").input("MATCH (n) DETACH DELETE n").run()
    at.button(key="run_cypher").click().run()
    assert "read-only" in at.error[0].value.lower() or "refused" in at.error[0].value.lower()


def test_hostile_labels_are_escaped_in_search_and_entity_page(app):
    markup = _markup(app(q="onerror"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup and EVIL_EN not in markup
    markup = _markup(app(page="entity", iri=EVIL_IRI))
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in markup
    assert EVIL_EN not in markup and EVIL_ZH not in markup and 'href="javascript' not in markup


def test_entity_page_shows_report_paragraphs_with_the_mention_highlighted(app):
    markup = _markup(app(page="entity", iri=ERNIE_BOT))
    assert "<mark>文心一言</mark>在北京上线" in markup
    assert "Kitchen-sink industry notes 2024" in markup


def test_dashboards_chart_the_summaries_with_downloads(app):
    at = app(page="dashboards")
    assert not at.exception
    titles = [s.value for s in at.subheader]
    assert any("Models released per year" in t for t in titles) and any("central" in t for t in titles)
    assert sum(1 for b in at.get("download_button") if b.label == "CSV") >= 6


def test_candidates_are_listed_with_mentions_and_can_be_dismissed(app):
    at = app(page="candidates")
    assert not at.exception
    names = [e.label for e in at.expander]
    assert any("星河智能科技公司" in n for n in names)
    assert "<mark>" in _markup(at)
    index = next(i for i, n in enumerate(names) if "星河智能科技公司" in n)
    at.expander[index].button[1].click().run()
    assert not at.exception
    assert "was dismissed" in at.success[0].value
    assert not any("星河智能科技公司" in e.label for e in at.expander)


def test_a_candidate_is_promoted_with_its_properties(app, ui_project):
    at = app(page="candidates")
    names = [e.label for e in at.expander]
    index = next(i for i, n in enumerate(names) if "7B" in n and "Zeta" in n)
    box = at.expander[index]
    box.button[0].click().run()  # a Model needs developedBy: refused, nothing written
    assert "developedBy" in at.error[0].value
    assert not (ui_project.data / "promoted.yaml").exists()
    box = at.expander[index]
    box.text_input[1].input("developedBy=baidu").run()
    at.expander[index].button[0].click().run()
    assert not at.exception
    assert "Zeta-7B was added to" in at.success[0].value
    assert "developedBy: baidu" in (ui_project.data / "promoted.yaml").read_text(encoding="utf-8")
    assert not any("Zeta" in e.label for e in at.expander)


def test_page_explains_a_missing_graph(project, monkeypatch):
    monkeypatch.setenv("KG_CONFIG", str(project.config))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert "run `kg build` first" in at.error[0].value
