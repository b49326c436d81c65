"""Candidates: names reports use that the graph does not know yet; promote or dismiss them."""

from __future__ import annotations

import streamlit as st

from kg import KGError
from kg.ui.common import Graph, esc, md, show_html

def render(graph: Graph) -> None:
    """Draw the candidates page."""
    from kg.reports import dismiss_candidate, group_fields, list_candidates, promote_candidate, read_dismissed

    st.title("Candidates · 候选实体")
    st.caption("Names found in ingested reports that are not entities yet. Promoting one appends a curated "
               "record citing its report and adds it to the graph; dismissing one hides it from this list.")
    done = st.session_state.pop("candidate_done", None)
    if done:
        st.success(done)
    candidates = list_candidates(graph.store, graph.ontology, read_dismissed(graph.config))
    if not candidates:
        st.info("No candidates: every name the reports use is in the graph, or no report is ingested "
                "(`kg ingest report PATH`).")
        return
    kinds = sorted(graph.ontology.record_kinds())
    types = sorted({c["type"] for c in candidates})
    wanted = st.multiselect("Types", types, key="candidate_types")
    shown = [c for c in candidates if not wanted or c["type"] in wanted]
    st.caption(f"{len(shown)} candidate(s)")
    for i, c in enumerate(shown[:100]):
        with st.expander(md(f"{c['name']} — {c['type']}, {c['count']} mention(s)"), expanded=i == 0):
            show_html("<b>Reports</b>: " + esc(", ".join(c.get("reports", []))))
            for m in c.get("mentions", [])[:5]:
                text, start, end = m["text"], m["start"], m["end"]
                show_html(f'<blockquote class="kg-mention"><small>{esc(m.get("document_label", ""))}</small><br>'
                          f'{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}</blockquote>')
            c1, c2, c3 = st.columns([2, 1, 1])
            kind = c1.selectbox("Promote as", kinds, index=kinds.index(c["type"]) if c["type"] in kinds else 0,
                                key=f"kind_{c['iri']}")
            rid = c1.text_input("id (lowercase ASCII; needed for a Chinese name)", key=f"id_{c['iri']}")
            extra = c1.text_input("properties, e.g. developedBy=baidu; hasModality=text", key=f"set_{c['iri']}")
            if c2.button("Promote", key=f"promote_{c['iri']}", type="primary"):
                try:
                    fields = group_fields(p.strip() for p in extra.split(";") if p.strip())
                    path, _ = promote_candidate(graph.config, c["iri"], kind=kind, rid=rid.strip() or None,
                                                fields=fields)
                except KGError as exc:
                    st.error(exc.report())
                else:
                    st.session_state["candidate_done"] = f"{c['name']} was added to {path} and to the graph."
                    st.rerun()
            if c3.button("Dismiss", key=f"dismiss_{c['iri']}"):
                try:
                    dismiss_candidate(graph.config, c["iri"])
                except KGError as exc:
                    st.error(exc.report())
                else:
                    st.session_state["candidate_done"] = f"{c['name']} was dismissed."
                    st.rerun()
