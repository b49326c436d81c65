"""The entity page: labels, class, properties, relations both ways, sources, report paragraphs."""

from __future__ import annotations

import streamlit as st

from kg.explore import Fact, Source, entity_card, resolve_entity
from kg.ui.common import Graph, badge, entity_link, esc, go, href, md, show_html


def render(graph: Graph) -> None:
    """Draw the page of the entity named in ``?iri=`` (or ``?name=``)."""
    params = st.query_params
    target = params.get("iri") or params.get("name")
    if not target:
        st.title("Entity · 实体")
        st.info("Open an entity from the search page, or put its name here.")
        name = st.text_input("Name · 名称", key="entity_name")
        if name:
            go("entity", iri=resolve_entity(graph.index, name))
        return
    iri = resolve_entity(graph.index, target)
    card = entity_card(graph.store, graph.index, iri)
    title = card.labels.get("en") or card.labels.get("zh") or iri.rsplit("/", 1)[-1]
    show_html(f'<h1 class="kg-entity-title">{esc(title)}</h1>')
    others = [v for k, v in sorted(card.labels.items()) if v != title]
    show_html(f'<p>{badge(graph, card.cls)} {" · ".join(esc(o) for o in others)}'
              f' <code>{esc(iri)}</code></p>')
    if card.aliases:
        show_html(f'<p><b>Also known as · 别名</b>: {esc(", ".join(card.aliases))}</p>')
    for lang in ("en", "zh", ""):
        if lang in card.descriptions:
            show_html(f"<p>{esc(card.descriptions[lang])}</p>")
    col1, col2, _ = st.columns([1, 1, 3])
    if col1.button("Graph view · 关系图", key="to_graph"):
        go("graph", seed=iri)
    if col2.button("Query about it · 查询", key="to_query"):
        go("query", about=iri)

    left, right = st.columns([3, 2])
    with left:
        if card.outgoing or card.incoming:
            st.subheader("Relations · 关系")
            show_html(_relations(card.outgoing, "→") + _relations(card.incoming, "←"))
        if card.properties:
            st.subheader("Properties · 属性")
            rows = "".join(f"<tr><td>{esc(f.prop_label)}</td><td>{_value(f)}</td><td>{_sources(f.sources)}</td></tr>"
                           for f in card.properties)
            show_html(f'<table class="kg-props"><tr><th>property</th><th>value</th><th>sources</th></tr>{rows}</table>')
    with right:
        st.subheader("Sources · 来源")
        show_html("<ul>" + "".join(f"<li>{_source(s)}</li>" for s in card.sources) + "</ul>")
        st.subheader("In reports · 报告提及")
        _mentions(graph, iri)


def _relations(groups: dict[str, list[Fact]], arrow: str) -> str:
    out = []
    for label, facts in sorted(groups.items()):
        items = "".join(f'<li>{entity_link(f.iri, f.value)} <span class="kg-src">{_sources(f.sources)}</span></li>'
                        for f in facts)
        out.append(f'<div class="kg-rel"><b>{arrow} {esc(label)}</b> ({len(facts)})<ul>{items}</ul></div>')
    return "".join(out)


def _value(f: Fact) -> str:
    if f.iri and f.iri.startswith(("http://", "https://")):
        return f'<a href="{esc(f.iri)}" target="_blank" rel="noopener noreferrer">{esc(f.value)}</a>'
    return esc(f.value) + (f' <span style="color:grey">({esc(f.datatype)})</span>' if f.datatype and f.datatype != "string" else "")


def _sources(sources) -> str:
    return " ".join(f'<sup title="{esc(s.file or s.graph)}">[{_source(s, short=True)}]</sup>' for s in sources)


def _source(s: Source, short: bool = False) -> str:
    links = []
    for url in s.urls:
        if url.startswith("https://w3id.org/aigc-kg/resource/"):
            links.append(f'<a href="{esc(href("entity", iri=url))}" target="_self">{esc(url.rsplit("/", 1)[-1])}</a>')
        elif url.startswith(("http://", "https://")):
            text = url.split("//", 1)[-1].split("/", 1)[0] if short else url
            links.append(f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>')
    where = esc(s.graph if short else f"{s.graph} ({s.file})" if s.file else s.graph)
    return where + (": " + ", ".join(links) if links else "")


def _mentions(graph: Graph, iri: str) -> None:
    try:
        from kg.reports import mentions_of
    except ImportError:
        st.caption("Report mentions need kg.reports, which this installation does not have yet.")
        return
    mentions = mentions_of(graph.store, iri)
    if not mentions:
        st.caption("No ingested report mentions it.")
        return
    st.caption(f"{len(mentions)} paragraph(s)")
    for m in mentions[:50]:
        text, start, end = m["text"], m["start"], m["end"]
        marked = f'{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}'
        doc = m.get("document")
        where = entity_link(doc, m.get("document_label") or doc) if doc in graph.index.entities else esc(m.get("document_label") or "")
        if m.get("section"):
            where += " · " + esc(m["section"])
        show_html(f'<div class="kg-mention"><small>{where}</small><blockquote>{marked}</blockquote></div>')
    if len(mentions) > 50:
        st.caption(md(f"… and {len(mentions) - 50} more"))
