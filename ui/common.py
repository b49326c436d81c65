"""What every page of the explorer shares: the opened graph, links between pages, escaping.

Every text that comes from the data is escaped with :func:`esc` before it reaches
``st.markdown(..., unsafe_allow_html=True)``; Streamlit's own widgets and tables show text as text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import streamlit as st

from kg import Config, Ontology, load_config, load_ontology, open_store
from kg.explore import EntityIndex, load_index
from kg.store import current_generation

# Colours and shapes per top class (the graph view, its legend and the search result badges).
STYLE = {
    "Organization": ("#4e79a7", "dot"), "Model": ("#e15759", "diamond"), "Application": ("#f28e2b", "square"),
    "Policy": ("#59a14f", "triangle"), "FundingEvent": ("#edc948", "star"), "Region": ("#76b7b2", "hexagon"),
    "Document": ("#9c755f", "box"), "Dataset": ("#b07aa1", "triangleDown"), "IndustryLayer": ("#ff9da7", "ellipse"),
    "Industry": ("#bab0ac", "ellipse"), "Modality": ("#86bcb6", "ellipse"), "Technique": ("#d4a6c8", "ellipse"),
}
DEFAULT_STYLE = ("#999999", "dot")


@dataclass
class Graph:
    """The opened graph: configuration, read-only store, ontology and the search index."""

    config: Config
    store: ox.Store
    ontology: Ontology
    index: EntityIndex
    generation: str


@st.cache_resource(show_spinner="Opening the graph…", max_entries=2)
def _open(config_file: str, generation: str) -> Graph:
    config = load_config(config_file)
    store = open_store(config)
    ontology = load_ontology(config.ontology_path, config.shapes_path)
    return Graph(config, store, ontology, load_index(store, ontology), generation)


def open_graph() -> Graph:
    """Open the graph of ``$KG_CONFIG`` (or ./kg.toml); reopened when a build made a new generation."""
    config = load_config()
    gen = current_generation(config.store_path)
    if gen is None:
        open_store(config)  # raises the StoreError that says to run `kg build`
    return _open(str(Path(config.file).resolve()), str(gen))


def esc(text) -> str:
    """Escape text for HTML (quotes included)."""
    return html.escape(str(text), quote=True)


def href(page: str, **params) -> str:
    """A link to a page of the explorer (``?page=entity&iri=...``); list values repeat the key."""
    pairs = [("page", page)]
    for key, value in params.items():
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if v is not None and v != "":
                pairs.append((key, str(v)))
    return "?" + urlencode(pairs)


def entity_link(iri: str, label: str) -> str:
    """An escaped HTML link to an entity's page (same tab)."""
    return f'<a href="{esc(href("entity", iri=iri))}" target="_self">{esc(label)}</a>'


def badge(graph: Graph, cls: str) -> str:
    """A coloured class badge (escaped)."""
    entity_cls = graph.ontology.classes.get(cls)
    top = entity_cls.ancestors[-1].rsplit("#", 1)[-1] if entity_cls else cls
    colour = STYLE.get(cls, STYLE.get(top, DEFAULT_STYLE))[0]
    label = graph.index.class_labels.get(cls, {})
    text = label.get("en", cls) + (f" · {label['zh']}" if "zh" in label else "")
    return (f'<span style="background:{colour};color:white;border-radius:4px;padding:1px 6px;'
            f'font-size:0.8em">{esc(text)}</span>')


def top_class(graph: Graph, cls: str) -> str:
    """The top aigc class of ``cls`` (Company -> Organization)."""
    info = graph.ontology.classes.get(cls)
    return info.ancestors[-1].rsplit("#", 1)[-1] if info else cls


def show_html(markup: str) -> None:
    """Show markup built from escaped text only."""
    st.markdown(markup, unsafe_allow_html=True)


def go(page: str, **params) -> None:
    """Switch to a page (the URL changes too, so it can be bookmarked) and rerun."""
    st.query_params.clear()
    st.query_params.update({"page": page, **{k: v for k, v in params.items() if v not in (None, "", [])}})
    st.rerun()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")


def md(text) -> str:
    """Escape text for places Streamlit reads as Markdown (widget labels, captions)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
