"""Validate a graph: SHACL shapes (pySHACL) plus the data checks SHACL does not express well.

Data checks, run as SPARQL on the store:

- dangling references: an object-property value that is a project resource without a type;
- duplicate entities: two resources of the same top class sharing a normalised label or alias,
  unless one is declared ``owl:differentFrom`` the other;
- a policy whose effectiveDate is before its issuedDate;
- dates outside the plausible range (see ``DATE_RANGES``);
- a single-valued property (``SINGLE_VALUED``) with two values: an error within one source graph,
  a warning across sources (an imported dataset and the curated data may disagree; both values
  are kept, each in its own graph, and the warning names them).

Incremental validation (``validate_changed``, used by ``kg ingest`` through ``validate_replaced``):
when a few named graphs of a valid store are replaced, SHACL only needs to look again at the focus
nodes whose answer can have changed: the subjects of the replaced graphs (old and new contents) and
the nodes that point at one of them (an ``sh:class`` check of theirs reads its type). No shape
reaches further than one hop. The data checks are global questions (a new name may clash with any
old one) and still run on the whole store. The findings equal those of ``validate_store`` as long
as the rest of the store was valid, which ``kg build`` and ``kg ingest`` guarantee by refusing to
commit a store with errors.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate

from kg.errors import Finding
from kg.namespaces import AIGC, META_GRAPH, ONTOLOGY_GRAPH, RESOURCE, SH, source_id, sparql_prefixes
from kg.ontology import Ontology
from kg.store import to_rdflib_graph

# Years outside these bounds are reported: founding dates reach back further than releases.
DATE_RANGES = {"foundedDate": (1800, 2026), "releaseDate": (1950, 2026), "issuedDate": (1950, 2026),
               "effectiveDate": (1950, 2030), "date": (1950, 2026)}

# One value per source; sources may disagree (SHACL's maxCount cannot tell sources apart).
SINGLE_VALUED = ("releaseDate", "foundedDate", "parameterCount", "openWeights")

_SEPARATORS = set("-_·・‧‐‑–—")

SHACL_CHUNK = 250  # focus nodes per pySHACL run (pySHACL looks each target up in a list of them)
PARALLEL_FROM = 5_000  # focus nodes from which the chunks run in forked worker processes
MAX_WORKERS = 4
WORKER_CHUNKS = 200


@dataclass(frozen=True)
class Where:
    """Where a subject (and optionally one of its properties) was defined."""

    file: str | None
    line: int | None = None
    col: int | None = None
    subject: str | None = None


Locator = Callable[[str, str | None], Where]


def store_locator(store: ox.Store) -> Locator:
    """Locate subjects by their named graph only (for a store built earlier)."""
    def locate(iri: str, _prop: str | None) -> Where:
        graphs = [q.graph_name.value for q in store.quads_for_pattern(ox.NamedNode(iri), None, None)
                  if isinstance(q.graph_name, ox.NamedNode)]
        return Where(graphs[0] if graphs else None, subject=_slug(iri))
    return locate


def validate_store(store: ox.Store, ontology: Ontology, locate: Locator | None = None, *,
                   focus: set[str] | None = None) -> list[Finding]:
    """Return every SHACL violation and data-check failure of the graph in ``store``.

    With ``focus``, SHACL checks only those nodes (the data checks always see the whole store).
    """
    locate = locate or store_locator(store)
    findings = run_shacl(store, ontology, locate, focus)
    findings += check_dangling(store, locate)
    findings += check_duplicates(store, ontology, locate)
    findings += check_policy_dates(store, locate)
    findings += check_date_ranges(store, locate)
    findings += check_conflicts(store, locate)
    return findings


def validate_changed(store: ox.Store, ontology: Ontology, subjects, locate: Locator | None = None
                     ) -> list[Finding]:
    """Like :func:`validate_store`, with SHACL run only on the focus nodes ``subjects`` can affect.

    ``subjects`` are the IRIs whose quads changed (see :func:`changed_subjects`).
    """
    return validate_store(store, ontology, locate, focus=affected_nodes(store, subjects))


def validate_replaced(store: ox.Store, ontology: Ontology, graphs: set[str], previous: ox.Store | None,
                      locate: Locator | None = None) -> list[Finding]:
    """Validate ``store`` after ``graphs`` were (re)written into a copy of ``previous``.

    Incremental (:func:`validate_changed`) when ``store`` also holds data graphs that came
    unchanged from ``previous``; the full :func:`validate_store` when there is no previous store
    or every data graph was rewritten (a rebuild).
    """
    kept = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)} - set(graphs)
    kept -= {ONTOLOGY_GRAPH, META_GRAPH}
    if previous is None or not kept:
        return validate_store(store, ontology, locate)
    return validate_changed(store, ontology, changed_subjects(graphs, store, previous), locate)


def changed_subjects(graphs, *stores: ox.Store) -> set[str]:
    """The IRIs that are subjects in any of ``graphs`` in any of ``stores`` (old and new contents)."""
    out: set[str] = set()
    for store in stores:
        for graph in graphs:
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
                if isinstance(q.subject, ox.NamedNode):
                    out.add(q.subject.value)
    return out


def affected_nodes(store: ox.Store, subjects) -> set[str]:
    """``subjects`` and every node of the data graphs that points at one of them."""
    out = set(subjects)
    for iri in subjects:
        for q in store.quads_for_pattern(None, None, ox.NamedNode(iri), None):
            if (isinstance(q.subject, ox.NamedNode) and isinstance(q.graph_name, ox.NamedNode)
                    and q.graph_name.value not in (ONTOLOGY_GRAPH, META_GRAPH)):
                out.add(q.subject.value)
    return out


def _focus_quads(store: ox.Store, focus: set[str]):
    """The quads SHACL reads for ``focus``: their own, and the rdf:type of every node they point at."""
    rdf_type = ox.NamedNode(str(rdflib.RDF.type))
    typed: set[str] = set()
    for iri in sorted(focus):
        for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
            graph = q.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value in (ONTOLOGY_GRAPH, META_GRAPH):
                continue
            yield q
            if isinstance(q.object, ox.NamedNode) and q.object.value not in focus and q.object.value not in typed:
                typed.add(q.object.value)
                for t in store.quads_for_pattern(q.object, rdf_type, None, None):
                    if not (isinstance(t.graph_name, ox.NamedNode)
                            and t.graph_name.value in (ONTOLOGY_GRAPH, META_GRAPH)):
                        yield t


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _finding(level: str, message: str, where: Where) -> Finding:
    return Finding(level, message, where.file, where.line, where.col, where.subject)


def _data_quads(store: ox.Store):
    for quad in store.quads_for_pattern(None, None, None, None):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value in (ONTOLOGY_GRAPH, META_GRAPH):
            continue
        yield quad


def run_shacl(store: ox.Store, ontology: Ontology, locate: Locator, focus: set[str] | None = None,
              workers: int | None = None) -> list[Finding]:
    """Run the SHACL shapes on the data graphs (with the ontology, for subclasses).

    The nodes to check (``focus``, else every subject of the data graphs) are validated
    ``SHACL_CHUNK`` at a time, each chunk on the part of the graph its shapes read (its nodes'
    own triples and the types of the nodes they point at; no shape reaches further): memory stays
    bounded by the chunk, not the graph, and no copy of the whole graph is made. Chunks run in
    ``workers`` processes (default: one per core once there are ``PARALLEL_FROM`` nodes).
    """
    if focus is None:
        focus = _data_subjects(store)
        if focus is None:  # a blank-node subject: pySHACL's focus option only takes IRIs
            results = _shacl_results(to_rdflib_graph(_data_quads(store)), ontology)
            return sorted((_located(r, locate) for r in results), key=_order)
    nodes = sorted(focus)
    chunks = [nodes[i:i + SHACL_CHUNK] for i in range(0, len(nodes), SHACL_CHUNK)]
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(nodes) >= PARALLEL_FROM else 1
    findings: list[Finding] = []
    if workers <= 1 or len(chunks) < 2:
        for chunk in chunks:
            data = to_rdflib_graph(_focus_quads(store, set(chunk)))
            findings += (_located(r, locate) for r in _shacl_results(data, ontology, chunk))
        return sorted(findings, key=_order)
    texts = (_chunk_text(store, chunk) for chunk in chunks)  # what the workers parse
    # Forked workers inherit the ontology and never touch the store; gc.freeze keeps the parent's
    # objects out of the children's collections, so their pages stay shared.
    global _WORKER_ONTOLOGY
    _WORKER_ONTOLOGY = ontology
    gc.freeze()
    try:
        # a worker is replaced after WORKER_CHUNKS chunks: what pySHACL and the copied-on-write
        # pages it touched kept grows otherwise (1.6 GB a worker after 2,000 chunks at 10M triples)
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=WORKER_CHUNKS) as pool:
            # at most 2 chunks per worker in flight: memory stays bounded
            for results in _bounded_imap(pool, _worker_chunk, zip(texts, chunks), 2 * workers):
                findings += (_located(r, locate) for r in results)
    finally:
        gc.unfreeze()
        _WORKER_ONTOLOGY = None
    return sorted(findings, key=_order)


def _data_subjects(store: ox.Store) -> set[str] | None:
    """The IRIs that are subjects in the data graphs; None if a blank node is one too."""
    out: set[str] = set()
    for q in _data_quads(store):
        if not isinstance(q.subject, ox.NamedNode):
            return None
        out.add(q.subject.value)
    return out


def _chunk_text(store: ox.Store, chunk: list[str]) -> bytes:
    """The triples SHACL reads for ``chunk``, as N-Triples."""
    return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in _focus_quads(store, set(chunk))),
                        format=ox.RdfFormat.N_TRIPLES)


_WORKER_ONTOLOGY: Ontology | None = None  # set in the parent just before the workers are forked


def _worker_chunk(job: tuple[bytes, list[str]]) -> list[tuple]:
    """In a forked worker: parse a chunk's N-Triples and validate its focus nodes."""
    text, chunk = job
    graph = rdflib.Graph().parse(data=text.decode("utf-8"), format="nt") if text else rdflib.Graph()
    return _shacl_results(graph, _WORKER_ONTOLOGY, chunk)


def _bounded_imap(pool, func, jobs, window: int):
    """``pool.imap`` with at most ``window`` jobs submitted and not yet collected, in order."""
    pending: deque = deque()
    for job in jobs:
        pending.append(pool.apply_async(func, (job,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _order(f: Finding) -> tuple:
    """Findings in file, line, message and subject order (pySHACL reports in no fixed order)."""
    return (f.file or "", f.line or 0, f.message, f.subject or "")


def _located(result: tuple, locate: Locator) -> Finding:
    level, text, node, prop = result
    return _finding(level, text, locate(node, prop))


def _shacl_results(data: rdflib.Graph, ontology: Ontology, focus: list[str] | None = None) -> list[tuple]:
    """pySHACL's violations as ``(level, message, focus node, property)``."""
    data += ontology.graph  # sh:targetClass / sh:class follow rdfs:subClassOf in the data graph
    extra = {} if focus is None else {"focus_nodes": [rdflib.URIRef(iri) for iri in focus]}
    _conforms, results, _text = shacl_validate(data, shacl_graph=ontology.shapes, inference="none",
                                               advanced=False, allow_warnings=True, **extra)
    out = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        node = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        value = results.value(result, SH.value)
        prop = _local(str(path)) if isinstance(path, rdflib.URIRef) else None
        text = str(message)
        if prop and not text.startswith(prop):
            text = f"{prop}: {text}"
        if value is not None and prop:
            text += f" (got {value.n3() if not isinstance(value, rdflib.Literal) else repr(str(value))})"
        level = "ERROR" if severity in (None, SH.Violation) else "WARNING"
        out.append((level, text, str(node), prop))
    return out


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _select(store: ox.Store, query: str):
    return store.query(sparql_prefixes() + query, use_default_graph_as_union=True)


def check_dangling(store: ox.Store, locate: Locator) -> list[Finding]:
    """Report references to project resources that nothing defines."""
    rows = _select(store, f"""
        SELECT DISTINCT ?s ?p ?o WHERE {{
          ?s ?p ?o .
          FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{RESOURCE}"))
          FILTER NOT EXISTS {{ ?o a ?type }}
        }}""")
    return [_finding("ERROR", f"{_local(r['p'].value)} refers to {r['o'].value}, which no source defines",
                     locate(r["s"].value, _local(r["p"].value))) for r in rows]


def normalise_name(name: str) -> str:
    """Fold a name for duplicate detection: width, case, spaces and separators.

    Other symbols stay, since they tell products apart ("ChatGPT+", "C++").

    >>> normalise_name("ＧＰＴ－４") == normalise_name("gpt 4") == normalise_name("GPT-4")
    True
    >>> normalise_name("ChatGPT+") == normalise_name("ChatGPT")
    False
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if not (ch.isspace() or ch in _SEPARATORS))


def check_duplicates(store: ox.Store, ontology: Ontology, locate: Locator) -> list[Finding]:
    """Report resources of one top class that share a normalised label or alias."""
    rows = _select(store, """
        SELECT ?s ?type ?name WHERE {
          ?s a ?type .
          { ?s rdfs:label ?name } UNION { ?s skos:altLabel ?name }
        }""")
    by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        cls = ontology.class_by_iri(r["type"].value)
        key = normalise_name(r["name"].value)
        if cls is not None and key and str(AIGC.ReportElement) not in cls.ancestors:  # candidates may repeat
            by_key[(cls.segment, key)].add(r["s"].value)
    distinct = {(r["a"].value, r["b"].value) for r in _select(
        store, "SELECT ?a ?b WHERE { ?a owl:differentFrom ?b }")}
    findings, reported = [], set()
    for (_segment, key), subjects in sorted(by_key.items()):
        subjects = sorted(subjects)
        for i, a in enumerate(subjects):
            for b in subjects[i + 1:]:
                if (a, b) in distinct or (b, a) in distinct or (a, b) in reported:
                    continue
                reported.add((a, b))
                findings.append(_finding(
                    "ERROR", f"shares the name {key!r} with {_slug(b)}; merge the two records, or "
                    f"add 'distinctFrom: {_slug(b)}' if they are different things", locate(a, None)))
    return findings


def check_policy_dates(store: ox.Store, locate: Locator) -> list[Finding]:
    """Report policies that take effect before they are issued (compared at the coarser precision)."""
    rows = _select(store, "SELECT ?s ?issued ?effective WHERE { "
                          "?s aigc:issuedDate ?issued ; aigc:effectiveDate ?effective }")
    findings = []
    for r in rows:
        issued, effective = r["issued"].value, r["effective"].value
        n = min(len(issued), len(effective))
        if effective[:n] < issued[:n]:
            findings.append(_finding("ERROR", f"effectiveDate {effective} is before issuedDate {issued}",
                                     locate(r["s"].value, "effectiveDate")))
    return findings


def check_date_ranges(store: ox.Store, locate: Locator) -> list[Finding]:
    """Report dates whose year is outside ``DATE_RANGES``."""
    findings = []
    for prop, (low, high) in DATE_RANGES.items():
        rows = _select(store, f"SELECT ?s ?d WHERE {{ ?s <{AIGC[prop]}> ?d }}")
        for r in rows:
            year = int(r["d"].value[:4]) if r["d"].value[:4].isdigit() else None
            if year is not None and not low <= year <= high:
                findings.append(_finding("ERROR", f"{prop} {r['d'].value} is outside {low}–{high}; "
                                         "check the source", locate(r["s"].value, prop)))
    return findings


def check_conflicts(store: ox.Store, locate: Locator) -> list[Finding]:
    """Report single-valued properties with several values: per source an error, across sources a warning."""
    findings = []
    for prop in SINGLE_VALUED:
        values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for q in store.quads_for_pattern(None, ox.NamedNode(str(AIGC[prop])), None, None):
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in (ONTOLOGY_GRAPH, META_GRAPH):
                values[q.subject.value][q.object.value].add(q.graph_name.value)
        for subject, by_value in sorted(values.items()):
            if len(by_value) < 2:
                continue
            graphs: dict[str, list[str]] = defaultdict(list)
            for value, gs in by_value.items():
                for g in gs:
                    graphs[g].append(value)
            where = locate(subject, prop)
            for g, vals in sorted(graphs.items()):
                if len(vals) > 1:
                    findings.append(_finding("ERROR", f"{prop} has {len(vals)} values in one source "
                                             f"({source_id(g)}): {', '.join(sorted(vals))}; keep one", where))
            if len(graphs) > 1 and not _compatible_dates(prop, list(by_value)):
                said = "; ".join(f"{v} ({', '.join(sorted(source_id(g) for g in gs))})"
                                 for v, gs in sorted(by_value.items()))
                findings.append(_finding("WARNING", f"sources disagree on {prop}: {said}; all values are kept",
                                         where))
    return findings


def _compatible_dates(prop: str, found: list[str]) -> bool:
    """Whether dates only differ in precision ("2022-08" and "2022-08-04" agree)."""
    if not prop.endswith("Date"):
        return False
    return all(a.startswith(b) or b.startswith(a) for a in found for b in found)


