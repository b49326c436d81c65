"""Reports in the graph: their analysis as RDF with PROV-O provenance, and the candidates they raise.

A report ingested (``kg ingest report``, or a ``kind = "report"`` source in kg.toml) becomes one
named graph, ``graph/report/{slug}``, that holds what the document asserts:

- the Document (``resource/doc/{slug}``, the same IRI as a curated Document record with the file's
  name as id) with its title, date, URL and keywords, and ``aigc:mentions`` of every entity linked;
- each Paragraph that yields something (``aigc:partOfDocument`` the document), with its text;
- each Mention (``aigc:inParagraph``, offsets, surface, ``aigc:refersTo`` the entity, confidence);
- each Candidate, a name the graph does not know yet, referred to by its mentions;
- each Statistic (a number the text states) with its value, unit and the entities it is about;
- each TextRelation: a pattern relation (X 发布 Y, Y 由 X 研发, X 投资 Y) with its paragraph and
  words, also asserted as a fact when it is an ontology property (developedBy, providedBy); and
  one co-mention per pair of entities named in a paragraph together, weighted by how often over
  the document, with every paragraph where it occurs.

Everything read from the text is a ``prov:Entity`` ``prov:wasDerivedFrom`` its paragraph
(``aigc:inParagraph``), which is part of (``dcterms:isPartOf``) the document. Re-ingesting a
document replaces its named graph.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg import values
from kg.errors import ConfigError, InputError, KGError
from kg.extract import Gazetteer, ParagraphAnalysis, analyse_paragraphs, normalise
from kg.ingest.curated import display_path
from kg.ingest.report import SUFFIXES, Report, ReportError, iter_paragraphs, read_report
from kg.ingest.resolve import slugify
from kg.namespaces import (
    AIGC, DCTERMS, META_GRAPH, RDFS_LABEL, RDF_TYPE, SOURCE, graph_iri, resource_iri,
    sparql_prefixes,
)
from kg.ontology import Ontology

XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Pattern relations that are ontology properties become facts of the report's graph too.
ASSERTED = ("developedBy", "providedBy")
DISMISSED_FILE = "dismissed-candidates.tsv"


@lru_cache(maxsize=None)
def _p(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(AIGC) + name)


def report_slug(path: Path) -> str:
    """Return the id of a report's Document: its file name as a slug (a hash for non-Latin names).

    >>> report_slug(Path("reports/China-AIGC-Industry-2023.md")), report_slug(Path("报告.pdf"))[:7]
    ('china-aigc-industry-2023', 'report-')
    """
    stem = Path(path).stem
    slug = slugify(stem)
    return slug if slug and slug.isascii() and len(slug) >= 2 else \
        "report-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]


def report_graph_iri(path: Path) -> str:
    """Return the named graph of a report: ``graph/report/{slug}``."""
    return graph_iri("report", report_slug(path))


def document_iri(path: Path) -> str:
    """Return the IRI of a report's Document."""
    return resource_iri("doc", report_slug(path))


def candidate_iri(kind: str, name: str) -> str:
    """Return the IRI of a candidate of class ``kind`` named ``name`` (equal names, equal IRIs)."""
    slug = slugify(name)
    if not (slug and name.isascii()):
        slug = hashlib.sha1(unicodedata.normalize("NFKC", name).encode("utf-8")).hexdigest()[:12]
    return resource_iri("candidate", f"{kind.lower()}-{slug}")


def report_files(path: Path) -> list[Path]:
    """Return the report files at ``path``: the file itself, or every report file in a folder."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    return [path]


def _lang(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


@dataclass
class ReportQuads:
    """A report's graph: its quads, and what it holds (for the summary ``kg ingest`` prints)."""

    graph: str
    display: str
    quads: list[ox.Quad] = field(default_factory=list)
    paragraphs: int = 0
    mentions: int = 0
    linked: int = 0
    candidates: int = 0
    statistics: int = 0
    relations: int = 0


def map_report(path: Path, gazetteer: Gazetteer, *, display: str | None = None,
               progress: Callable[[str], None] | None = None) -> ReportQuads:
    """Read and analyse the report at ``path`` and return its named graph's quads.

    Raises :class:`InputError` when the report cannot be read (the message says why and the fix).
    """
    path = Path(path)
    name = display or str(path)
    say = progress or (lambda _msg: None)
    try:
        if SUFFIXES.get(path.suffix.lower()) == "text":  # streamed: a large text is never held whole
            report = Report(name, "text")
            paragraphs = iter_paragraphs(path, name, progress=lambda done, total: say(
                f"{name}: {done / 1e6:.0f} of {total / 1e6:.0f} MB read"))
        else:
            report = read_report(path, name)
            paragraphs = iter(report.paragraphs)
        out = ReportQuads(report_graph_iri(path), name)
        _Writer(out, document_iri(path), gazetteer).write(report, analyse_paragraphs(paragraphs, gazetteer))
    except ReportError as exc:
        raise InputError(str(exc)) from exc
    return out


class _Writer:
    def __init__(self, out: ReportQuads, doc: str, gazetteer: Gazetteer):
        self.out, self.doc, self.gazetteer = out, ox.NamedNode(doc), gazetteer
        self.g = ox.NamedNode(out.graph)
        self.slug = doc.rsplit("/", 1)[-1]
        self.co: dict[tuple[str, str], list] = {}  # (entity, entity) -> [weight, paragraphs]

    def add(self, s, p, o) -> None:
        self.out.quads.append(ox.Quad(s, p, o, self.g))

    def write(self, report: Report, analyses: Iterable[ParagraphAnalysis]) -> None:
        doc, add = self.doc, self.add
        add(doc, RDF_TYPE, _p("Document"))
        mentioned: set[str] = set()
        candidates: set[str] = set()
        for found in analyses:  # consumed first: a streamed text's metadata is its file name only
            if found.mentions or found.claims:
                self._paragraph(found, mentioned, candidates)
        self.co_mentions()
        if doc.value not in self.gazetteer.entities:  # a document no other source describes
            title = report.title or Path(report.path).name
            add(doc, RDFS_LABEL, ox.Literal(title, language=_lang(title)))
            try:
                add(doc, SOURCE, values.url_node(report.url) if report.url else doc)
            except ValueError:
                add(doc, SOURCE, doc)
        if report.url:
            try:
                add(doc, _p("url"), values.any_uri(report.url))
            except ValueError:
                pass  # not a web address: the document is its own source (above)
        if (date := re.match(r"\d{4}(-\d{2}(-\d{2})?)?", report.date or "")) is not None:
            try:
                add(doc, _p("publishedDate"), values.partial_date(date.group()))
            except ValueError:
                pass  # "2023-13-45": no date rather than a wrong one
        for keyword in dict.fromkeys(k.strip() for k in report.keywords if k.strip()):
            add(doc, _p("keyword"), ox.Literal(keyword))
        for iri in sorted(mentioned):
            add(doc, _p("mentions"), ox.NamedNode(iri))
        self.out.candidates = len(candidates)

    def _paragraph(self, found: ParagraphAnalysis, mentioned: set[str], candidates: set[str]) -> None:
        add, p = self.add, found.paragraph
        key = f"{self.slug}.{p.id}"
        para = ox.NamedNode(resource_iri("paragraph", key))
        add(para, RDF_TYPE, _p("Paragraph"))
        add(para, _p("partOfDocument"), self.doc)
        add(para, _p("paragraphIndex"), _int(p.index))
        add(para, _p("paragraphText"), ox.Literal(p.text))
        if p.section:
            add(para, _p("section"), ox.Literal(p.section))
        self.out.paragraphs += 1
        linked: list[str] = []
        for m in found.mentions:
            node = ox.NamedNode(resource_iri("mention", f"{key}.{m.start}"))
            if m.entity:
                target = m.entity
                linked.append(target)
                self.out.linked += 1
            else:
                target = candidate_iri(m.type, m.surface)
                if target not in candidates:
                    candidates.add(target)
                    add(ox.NamedNode(target), RDF_TYPE, _p("Candidate"))
                    add(ox.NamedNode(target), RDFS_LABEL, ox.Literal(m.surface, language=_lang(m.surface)))
                    add(ox.NamedNode(target), _p("entityType"), ox.Literal(m.type))
            add(node, RDF_TYPE, _p("Mention"))
            self._span(node, para, m.start, m.end, m.surface)
            add(node, _p("refersTo"), ox.NamedNode(target))
            add(node, _p("confidence"), ox.Literal(float(m.confidence)))
            add(node, _p("entityType"), ox.Literal(m.type))
            self.out.mentions += 1
        mentioned.update(linked)
        for c in found.claims:
            node = ox.NamedNode(resource_iri("statistic", f"{key}.{c.start}"))
            add(node, RDF_TYPE, _p("Statistic"))
            self._span(node, para, c.start, c.end, c.surface)
            add(node, _p("statisticKind"), ox.Literal(c.kind))
            if c.kind == "date":
                add(node, _p("statisticDate"), values.partial_date(str(c.value)))
            else:
                add(node, _p("statisticValue"), ox.Literal(float(c.value)))
                if c.unit:
                    add(node, _p("unit"), ox.Literal(c.unit))
            for iri in dict.fromkeys(linked):
                add(node, _p("about"), ox.NamedNode(iri))
            self.out.statistics += 1
        for n, r in enumerate(found.relations):
            if r.predicate == "coMention":  # one per pair and document, written at the end
                weight, paragraphs = self.co.setdefault((r.subject, r.object), [0, []])
                self.co[(r.subject, r.object)][0] = weight + r.weight
                paragraphs.append(para)
                continue
            node = ox.NamedNode(resource_iri("text-relation", f"{key}.{n}"))
            self._relation(node, r.subject, r.object, r.predicate, r.weight, [para])
            if r.evidence:
                add(node, _p("evidenceText"), ox.Literal(r.evidence))
            if r.predicate in ASSERTED:
                add(ox.NamedNode(r.subject), _p(r.predicate), ox.NamedNode(r.object))

    def _relation(self, node, subject: str, obj: str, kind: str, weight: int, paragraphs) -> None:
        add = self.add
        add(node, RDF_TYPE, _p("TextRelation"))
        for para in paragraphs:
            add(node, _p("inParagraph"), para)
        add(node, _p("relationSubject"), ox.NamedNode(subject))
        add(node, _p("relationObject"), ox.NamedNode(obj))
        add(node, _p("relationKind"), ox.Literal(kind))
        add(node, _p("weight"), _int(weight))
        self.out.relations += 1

    def co_mentions(self) -> None:
        """One TextRelation per pair of entities named together, weighted over the whole document."""
        for (a, b), (weight, paragraphs) in sorted(self.co.items()):
            digest = hashlib.sha1(f"{a} {b}".encode()).hexdigest()[:12]
            self._relation(ox.NamedNode(resource_iri("text-relation", f"{self.slug}.co-{digest}")),
                           a, b, "coMention", weight, paragraphs)

    def _span(self, node, para, start: int, end: int, surface: str) -> None:
        self.add(node, _p("inParagraph"), para)
        self.add(node, _p("startOffset"), _int(start))
        self.add(node, _p("endOffset"), _int(end))
        self.add(node, _p("surfaceForm"), ox.Literal(surface))


def map_reports(paths: Iterable[Path], gazetteer: Gazetteer, root: Path,
                progress: Callable[[str], None] | None = None) -> list[ReportQuads]:
    """Map every report file under ``paths``; two files with the same name are refused."""
    out: list[ReportQuads] = []
    seen: dict[str, str] = {}
    for path in paths:
        for file in report_files(Path(path)):
            display = display_path(file, root)
            graph = report_graph_iri(file)
            if graph in seen:
                raise InputError(f"{display}: same document id as {seen[graph]} "
                                 f"({report_slug(file)}); rename one of the two files")
            seen[graph] = display
            if progress:
                progress(f"reading {display}")
            out.append(map_report(file, gazetteer, display=display, progress=progress))
    return out


# --- reading the store: mentions of an entity, candidates -------------------------------------

def _select(store: ox.Store, query: str, **bindings: ox.NamedNode | ox.Literal):
    """Run a SELECT with ``bindings`` substituted as terms (never as text; each must be projected)."""
    return store.query(sparql_prefixes() + query, use_default_graph_as_union=True, substitutions={
        ox.Variable(k): v for k, v in bindings.items()})


def mentions_of(store: ox.Store, iri: str) -> list[dict]:
    """Return the report paragraphs that mention the entity ``iri``, in document order.

    Each is a dict: document (IRI), document_label, paragraph (IRI), section, text, start, end
    (offsets of the mention in text) and surface.
    """
    rows = _select(store, """
        SELECT ?entity ?doc ?docLabel ?para ?section ?text ?start ?end ?surface ?index WHERE {
          ?m aigc:refersTo ?entity ; aigc:inParagraph ?para ; aigc:startOffset ?start ;
             aigc:endOffset ?end ; aigc:surfaceForm ?surface .
          ?para aigc:partOfDocument ?doc ; aigc:paragraphText ?text ; aigc:paragraphIndex ?index .
          OPTIONAL { ?para aigc:section ?section }
          OPTIONAL { ?doc rdfs:label ?docLabel }
        }""", entity=ox.NamedNode(iri))
    out: dict[tuple[str, int], dict] = {}
    for r in rows:
        key = (r["para"].value, int(r["start"].value))
        out.setdefault(key, {
            "document": r["doc"].value, "document_label": r["docLabel"].value if r["docLabel"] else "",
            "paragraph": r["para"].value, "section": r["section"].value if r["section"] else "",
            "text": r["text"].value, "start": int(r["start"].value), "end": int(r["end"].value),
            "surface": r["surface"].value, "index": int(r["index"].value)})
    return sorted(out.values(), key=lambda d: (d["document"], d["index"], d["start"]))


def dismissed_path(config) -> Path:
    """Return the file that lists dismissed candidates (``dismissed-candidates.tsv`` beside kg.toml)."""
    return config.root / DISMISSED_FILE


def read_dismissed(config) -> set[tuple[str, str]]:
    """Return the dismissed (type, normalised name) pairs."""
    path = dismissed_path(config)
    if not path.exists():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            kind, name = line.split("\t", 1)
            out.add((kind.strip(), normalise(name.strip())))
    return out


def list_candidates(store: ox.Store, ontology: Ontology, dismissed: set[tuple[str, str]] = frozenset(),
                    *, kind: str | None = None, min_count: int = 1) -> list[dict]:
    """Return the candidates in ``store``, most mentioned first.

    Each is a dict: iri, name, type, count (mentions), reports (document labels) and mentions (one
    dict per mention: document, document_label, paragraph, text, start, end). Dismissed names and
    names the graph has learned since (promoted, or added to the data) are left out.
    """
    known = Gazetteer.from_store(store, ontology).names
    rows = _select(store, """
        SELECT ?c ?name ?type ?m ?para ?text ?start ?end ?doc ?docLabel WHERE {
          ?c a aigc:Candidate ; rdfs:label ?name ; aigc:entityType ?type .
          ?m aigc:refersTo ?c ; aigc:inParagraph ?para ; aigc:startOffset ?start ; aigc:endOffset ?end .
          ?para aigc:paragraphText ?text ; aigc:partOfDocument ?doc .
          OPTIONAL { ?doc rdfs:label ?docLabel }
        }""")
    found: dict[str, dict] = {}
    for r in rows:
        name, ctype = r["name"].value, r["type"].value
        if (ctype, normalise(name)) in dismissed or normalise(name) in known or (kind and ctype != kind):
            continue
        c = found.setdefault(r["c"].value, {"iri": r["c"].value, "name": name, "type": ctype,
                                            "count": 0, "reports": [], "mentions": []})
        label = r["docLabel"].value if r["docLabel"] else r["doc"].value.rsplit("/", 1)[-1]
        c["mentions"].append({"document": r["doc"].value, "document_label": label,
                              "paragraph": r["para"].value, "text": r["text"].value,
                              "start": int(r["start"].value), "end": int(r["end"].value)})
        if label not in c["reports"]:
            c["reports"].append(label)
    for c in found.values():
        c["count"] = len(c["mentions"])
        c["mentions"].sort(key=lambda m: (m["document"], m["paragraph"], m["start"]))
    return sorted((c for c in found.values() if c["count"] >= min_count),
                  key=lambda c: (-c["count"], c["type"], c["name"]))


def find_candidate(store: ox.Store, ontology: Ontology, name_or_iri: str) -> dict:
    """Return the one candidate named ``name_or_iri`` (or with that IRI); InputError otherwise."""
    every = list_candidates(store, ontology)
    key = normalise(name_or_iri.strip().strip("《》"))
    hits = [c for c in every if c["iri"] == name_or_iri or normalise(c["name"]) == key]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        listed = "; ".join(f"{c['iri']} ({c['type']})" for c in hits)
        raise InputError(f"{name_or_iri!r} names {len(hits)} candidates: {listed}; give the IRI")
    import difflib

    close = difflib.get_close_matches(name_or_iri, [c["name"] for c in every], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `kg candidates` lists them"
    raise InputError(f"no candidate named {name_or_iri!r}{hint}")


def candidate_source(store: ox.Store, candidate: dict) -> str:
    """Return what a promoted candidate cites: its first report's URL, else that Document's id."""
    doc = candidate["mentions"][0]["document"]
    rows = list(_select(store, "SELECT ?doc ?url WHERE { ?doc aigc:url ?url }", doc=ox.NamedNode(doc)))
    return rows[0]["url"].value if rows else doc.rsplit("/", 1)[-1]


def candidate_record(candidate: dict, rid: str, kind: str, source: str, fields: dict[str, list[str]]) -> str:
    """Return the curated YAML text of a promoted candidate (appended to a curated file)."""
    import yaml

    record = {"id": rid, "kind": kind, "label": {_lang(candidate["name"]): candidate["name"]}}
    record.update({k: (v[0] if len(v) == 1 else v) for k, v in fields.items()})
    record["sources"] = [source]
    return yaml.safe_dump([record], allow_unicode=True, sort_keys=False)


def group_fields(pairs: Iterable[str]) -> dict[str, list[str]]:
    """Read ``key=value`` options (``--set developedBy=baidu``) into lists per key."""
    out: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"--set expects key=value (e.g. developedBy=baidu), got {pair!r}")
        out[key.strip()].append(value.strip())
    return dict(out)


def candidates_table(config, *, kind: str | None = None, min_count: int = 1):
    """The candidates of the configured store as a query result (``kg candidates``)."""
    from kg.ontology import load_ontology
    from kg.query import QueryResult
    from kg.store import open_store

    rows = list_candidates(open_store(config), load_ontology(config.ontology_path, config.shapes_path),
                           read_dismissed(config), kind=kind, min_count=min_count)
    return QueryResult("select", ["name", "type", "count", "reports", "iri"],
                       [[ox.Literal(c["name"]), ox.Literal(c["type"]), ox.Literal(str(c["count"])),
                         ox.Literal("; ".join(c["reports"])), ox.NamedNode(c["iri"])] for c in rows])


def dismiss_candidate(config, name_or_iri: str) -> Path:
    """Hide a candidate from the listings by adding it to ``dismissed-candidates.tsv``."""
    from kg.ontology import load_ontology
    from kg.store import open_store

    candidate = find_candidate(open_store(config), load_ontology(config.ontology_path, config.shapes_path),
                               name_or_iri)
    path = dismissed_path(config)
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as fh:
        if new:
            fh.write("# Candidates a reviewer dismissed (kg candidates dismiss): TYPE<TAB>name\n")
        fh.write(f"{candidate['type']}\t{candidate['name']}\n")
    return path


def promote_candidate(config, name_or_iri: str, *, rid: str | None = None, kind: str | None = None,
                      target: Path | None = None, fields: dict[str, list[str]] | None = None,
                      progress: Callable[[str], None] | None = None) -> tuple[Path, str]:
    """Append a candidate to a curated YAML file as a record citing its report, and ingest the file.

    Returns the file and the YAML added. When the record is refused (an id taken, a property the
    kind requires missing, ...), the file is restored and the store is unchanged; the error says why.
    """
    from kg.build import ingest_files
    from kg.ontology import load_ontology
    from kg.store import open_store

    ontology = load_ontology(config.ontology_path, config.shapes_path)
    store = open_store(config)
    candidate = find_candidate(store, ontology, name_or_iri)
    kind = kind or candidate["type"]
    kinds = sorted(ontology.record_kinds())
    if kind not in kinds:
        raise ConfigError(f"--kind {kind!r} is not a class of entities; use one of {', '.join(kinds)}")
    rid = rid or slugify(candidate["name"])
    if not rid or not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", rid):
        raise ConfigError(f"give the new record an id with --id (lowercase ASCII letters, digits, '-', '.'); "
                          f"{candidate['name']!r} has none of its own")
    if target is None:
        curated = [s.path for s in config.sources if s.kind == "curated"]
        if not curated:
            raise ConfigError(f"{config.file} has no curated source to add the record to; pass --to FILE")
        target = (curated[0] / "promoted.yaml") if curated[0].is_dir() else curated[0]
    target = Path(target)
    record = candidate_record(candidate, rid, kind, candidate_source(store, candidate), fields or {})
    reports = _report_files(store, config.root, {m["document"] for m in candidate["mentions"]})
    del store
    before = target.read_bytes() if target.exists() else None
    text = (before or b"").decode("utf-8")
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(text + ("\n" if text and not text.endswith("\n") else "") + record)
    try:
        ingest_files(config, "curated", [target], progress=progress)
    except BaseException as exc:
        if before is None:
            target.unlink()
        else:
            target.write_bytes(before)
        if isinstance(exc, KGError):
            raise type(exc)(f"{exc.message}; {target} is as it was. Fix the record's options "
                            "(a missing property: --set KEY=VALUE) and promote again", exc.findings) from None
        raise
    if reports:  # relink the reports' mentions to the new entity
        ingest_files(config, "report", reports, progress=progress)
    return target, record


def _report_files(store: ox.Store, root: Path, documents: set[str]) -> list[Path]:
    """The files (still present) that the reports of ``documents`` were ingested from."""
    files = []
    for doc in sorted(documents):
        graph = graph_iri("report", doc.rsplit("/", 1)[-1])
        for q in store.quads_for_pattern(ox.NamedNode(graph), ox.NamedNode(str(DCTERMS.identifier)), None,
                                         ox.NamedNode(META_GRAPH)):
            path = root / q.object.value
            if path.is_file():
                files.append(path)
    return files

