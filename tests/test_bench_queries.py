"""The benchmark suite's research queries (bench/queries/*.rq) run on the real graphs, not only on synthetic data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from kg import load_config, open_store
from kg.query import run_sparql

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_research", ROOT / "bench" / "research.py")
research = sys.modules["bench_research"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(research)
QUERIES = research.load_queries()


def test_there_are_at_least_ten_research_queries_each_with_a_question_and_columns():
    assert len(QUERIES) >= 10
    for q in QUERIES:
        assert q.question and q.columns, q.name
        assert "?seed" not in q.bound("https://w3id.org/aigc-kg/resource/org/x")


@pytest.fixture(scope="module")
def stores(built_sink, curated):
    return {"kitchen sink": open_store(built_sink.store),
            "curated": open_store(load_config(curated / "kg.toml").store_path)}


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_research_query_runs_on_the_kitchen_sink_and_the_curated_graph(stores, query):
    for name, store in stores.items():
        seed = research.pick_seed(store)
        result = run_sparql(store, query.bound(seed))
        assert result.kind == "select" and result.variables == query.columns, (name, query.name)


def test_the_seed_is_the_busiest_developer_of_the_curated_graph(stores):
    seed = research.pick_seed(stores["curated"])
    rows = run_sparql(stores["curated"], "SELECT (COUNT(*) AS ?n) WHERE { ?m aigc:developedBy <%s> }" % seed).rows
    assert int(rows[0][0].value) >= 3
