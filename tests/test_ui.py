"""The explorer's first page, run by Streamlit's AppTest on a built graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import ui

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
APP = str(Path(ui.__file__).parent / "app.py")


def test_page_shows_counts_and_runs_a_query(built_sink, monkeypatch):
    monkeypatch.setenv("KG_CONFIG", str(built_sink.config))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("AIGC industry knowledge graph")
    classes = at.dataframe[0].value
    assert dict(zip(classes["class"], classes["entities"]))["Model"] == 2
    at.button[0].click().run()
    assert "文心大模型3.5" in at.code[0].value or "ERNIE 3.5" in at.code[0].value


def test_page_explains_a_missing_graph(project, monkeypatch):
    monkeypatch.setenv("KG_CONFIG", str(project.config))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert "run `kg build` first" in at.error[0].value
