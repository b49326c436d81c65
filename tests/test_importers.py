"""The Epoch AI and Ecosystem Graphs importers, on the real files in ../shared/data (never copied)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from kg import InputError, build_graph, load_config, open_store, run_sparql
from kg.cli import main

from conftest import ROOT, SHARED

EPOCH = SHARED / "data" / "epoch-ai" / "notable_ai_models.csv"
ASSETS = SHARED / "data" / "ecosystem-graphs" / "assets"
M = "https://w3id.org/aigc-kg/resource/model/"
O = "https://w3id.org/aigc-kg/resource/org/"
G = "https://w3id.org/aigc-kg/graph/"


@pytest.fixture(scope="module")
def shared_data():
    if not (EPOCH.is_file() and ASSETS.is_dir()):
        pytest.fail(f"the real datasets are not at {SHARED}/data (epoch-ai/notable_ai_models.csv, "
                    "ecosystem-graphs/assets/); set KG_SHARED_DIR to the folder that holds data/")
    return SHARED


@pytest.fixture(scope="module")
def imported(tmp_path_factory, shared_data):
    """The shipped curated data plus both datasets, built once."""
    root = tmp_path_factory.mktemp("imported")
    (root / "kg.toml").write_text(
        f'[store]\npath = ".kg/store"\n\n[[sources]]\nkind = "curated"\npath = "{ROOT / "data" / "curated"}"\n\n'
        f'[[sources]]\nkind = "epoch"\npath = "{EPOCH}"\n\n'
        f'[[sources]]\nkind = "ecosystem-graphs"\npath = "{ASSETS}"\n', encoding="utf-8")
    config = load_config(root / "kg.toml")
    result = build_graph(config)
    return config, result, open_store(config.store_path)


def rows(store, query: str) -> set[tuple]:
    return {tuple(v.value if v is not None else None for v in r) for r in run_sparql(store, query).rows}


def test_an_epoch_model_has_its_developer_date_and_size(imported):
    _, _, store = imported
    assert rows(store, f"""SELECT ?d ?p WHERE {{ GRAPH <{G}epoch/notable_ai_models> {{
        <{M}qwen2-5-72b> aigc:releaseDate ?d ; aigc:parameterCount ?p ; aigc:developedBy <{O}alibaba> }} }}""") \
        == {("2024-09-19", "72700000000")}


def test_a_known_model_is_merged_and_both_dates_are_kept_with_their_sources(imported):
    _, result, store = imported
    # ERNIE 3.5 is curated (2023-06); Epoch says 2023-06-27: one entity, two values, one graph each
    assert rows(store, f"SELECT ?g ?d WHERE {{ GRAPH ?g {{ <{M}ernie-3-5> aigc:releaseDate ?d }} }}") == {
        (f"{G}curated/models", "2023-06"), (f"{G}epoch/notable_ai_models", "2023-06-27")}
    assert rows(store, "SELECT ?m WHERE { ?m a aigc:Model ; rdfs:label|skos:altLabel ?n FILTER(str(?n) = 'ERNIE 3.5') }") \
        == {(f"{M}ernie-3-5",)}
    # dates that differ only in precision agree; values that differ are reported and kept
    assert not any("ernie-3-5: sources disagree" in str(f) for f in result.findings)
    [goat] = [str(f) for f in result.findings if " goat: sources disagree on releaseDate" in str(f)]
    assert "2021-07-27 (epoch/notable_ai_models); 2023-05-23 (ecosystem-graphs/assets)" in goat


def test_versions_are_kept_apart(imported):
    _, _, store = imported
    # "GLM-4 (0520)" is not GLM-4: a new model, by the same (curated) developer
    assert rows(store, f"SELECT ?d WHERE {{ <{M}glm-4-0520> aigc:developedBy ?o ; aigc:releaseDate ?d "
                       f"FILTER(?o = <{O}zhipu-ai>) }}") == {("2024-05-20",)}
    assert not rows(store, f"SELECT ?x WHERE {{ <{M}glm-4> aigc:releaseDate ?x }}") & {("2024-05-20",)}


def test_an_ecosystem_graphs_model_card(imported):
    _, _, store = imported
    assert rows(store, f"""SELECT ?d ?p ?o ?s WHERE {{ GRAPH <{G}ecosystem-graphs/assets> {{
        <{M}yi> aigc:releaseDate ?d ; aigc:parameterCount ?p ; aigc:developedBy ?o ; dcterms:source ?s }} }}""") \
        >= {("2023-11-02", "34000000000", f"{O}01-ai", "https://github.com/01-ai/Yi")}


def test_figures_add_up_and_are_in_kg_stats(imported):
    config, result, _ = imported
    epoch = result.stats.imports["epoch/notable_ai_models"]
    cards = result.stats.imports["ecosystem-graphs/assets"]
    assert epoch["rowsRead"] == 884 and cards["rowsRead"] == 639
    for f in (epoch, cards):
        assert f["recordsMerged"] + f["recordsCreated"] + f["rowsUnresolved"] == f["rowsRead"]
        assert f["recordsMerged"] > 50 and f["recordsCreated"] > 100
    out = CliRunner().invoke(main, ["stats", "--config", str(config.file)])
    assert out.exit_code == 0
    assert any(line.split()[:2] == ["epoch/notable_ai_models", "884"] for line in out.stdout.splitlines())


def test_rows_that_cannot_be_imported_are_reported_with_their_line(imported):
    _, result, _ = imported
    text = [str(f) for f in result.findings]
    assert any(t.endswith("notable_ai_models.csv:5185:3 SSD: row names no organization, and a Model needs "
                          "a developer; skipped") for t in text)
    assert any("base model 'Vicuna-13B v0' is not a known model; basedOn left out" in t for t in text)


def test_kg_ingest_epoch_adds_the_dataset_to_a_built_store(project, shared_data):
    project.add(ROOT / "data" / "curated")
    assert CliRunner().invoke(main, ["build", "-q", "--config", str(project.config)]).exit_code == 0
    out = CliRunner().invoke(main, ["ingest", "epoch", str(EPOCH), "--config", str(project.config)])
    assert out.exit_code == 0, out.output
    assert "ingested 1 file(s)" in out.stdout
    store = open_store(project.store)
    assert rows(store, f"SELECT ?d WHERE {{ <{M}qwen2-5-72b> aigc:releaseDate ?d }}") == {("2024-09-19",)}
    # again: the dataset's graph is replaced, not added twice
    again = CliRunner().invoke(main, ["ingest", "epoch", str(EPOCH), "--config", str(project.config)])
    assert again.exit_code == 0
    assert len(open_store(project.store)) == len(store)


def test_a_csv_that_is_not_epochs_is_refused_with_its_location(project, shared_data):
    bad = project.root / "other.csv"
    bad.write_text("name,org\nX,Y\n", encoding="utf-8")
    project.write_config(f'\n[[sources]]\nkind = "epoch"\npath = "{bad}"\n')
    before = project.store_fingerprint()
    with pytest.raises(InputError) as err:
        build_graph(load_config(project.config))
    [finding] = err.value.findings
    assert str(finding).startswith("[ERROR] other.csv:1:1 no column 'Model', 'Organization', 'Publication date'")
    assert project.store_fingerprint() == before


def test_ragged_rows_and_a_broken_card_are_reported(project, shared_data, tmp_path):
    csv = tmp_path / "epoch.csv"
    header = EPOCH.read_text(encoding="utf-8").splitlines()[0]
    csv.write_text(header + "\nModel Z,Acme Labs,Industry\n", encoding="utf-8")
    cards = tmp_path / "assets"
    cards.mkdir()
    shutil.copy(ASSETS / "01ai.yaml", cards / "01ai.yaml")
    (cards / "broken.yaml").write_text("- type: model\n  name: [unclosed\n", encoding="utf-8")
    project.add(ROOT / "data" / "curated")
    project.write_config(f'\n[[sources]]\nkind = "epoch"\npath = "{csv}"\n\n'
                         f'[[sources]]\nkind = "ecosystem-graphs"\npath = "{cards}"\n')
    with pytest.raises(InputError) as err:
        build_graph(load_config(project.config))
    text = [str(f) for f in err.value.findings]
    assert any("epoch.csv:2:1 row has 3 fields, the header 41" in t for t in text)
    assert any("broken.yaml:3:1 malformed YAML: did not find expected ',' or ']' (while parsing a flow "
               "sequence that starts at line 2, column 9)" in t for t in text)
