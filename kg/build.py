"""Map curated records to RDF quads, one named graph per source file.

Two passes: the first gives every record its IRI (so records may refer to ids defined later or in
other files), the second converts every value against the ontology and resolves every reference.
Every problem becomes a located finding; the caller refuses to write while any is an ERROR.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import time
from functools import lru_cache
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from kg import ontology as onto_mod
from kg import values
from kg.config import Config
from kg.errors import ConfigError, Finding, InputError, ValidationError
from kg.ingest.curated import Loc, Record, Value, display_path, read_curated
from kg.ingest.ecosystem_graphs import read_ecosystem_graphs
from kg.ingest.csv_generic import read_csv
from kg.ingest.epoch import read_epoch
from kg.ingest.limits import applied as limits_applied
from kg.ingest.resolve import ImportStats, NameIndex
from kg.extract import Gazetteer
from kg.reports import ReportQuads, document_iri, map_reports, report_files, report_graph_iri, report_slug
from kg.namespaces import (
    AIGC, ALT_LABEL, DCTERMS, META_GRAPH, ONTOLOGY_GRAPH, PROV, RDFS_LABEL, RDF_TYPE, RESOURCE,
    SKOS, SOURCE, graph_iri, resource_iri,
)
from kg.ontology import ClassInfo, Ontology, PropertyInfo, load_ontology
from kg import stats as stats_mod
from kg.stats import GraphStats, graph_stats
from kg.store import open_generation, open_store, store_exists, write_lock
from kg.validate import Locator, Where, store_locator, validate_replaced

OWL_DIFFERENT = ox.NamedNode("http://www.w3.org/2002/07/owl#differentFrom")
IN_SCHEME = ox.NamedNode(str(SKOS.inScheme))
DESCRIPTION = ox.NamedNode(str(DCTERMS.description))
ACCESSED = ox.NamedNode(str(AIGC.accessed))


@dataclass(frozen=True)
class Entity:
    """What the build knows of an id: its IRI, its class and where it was defined."""

    iri: str
    cls: ClassInfo | None
    where: str  # file:line:col of its record, or the named graph that holds it


@dataclass
class Mapped:
    """The result of mapping records: quads, where each subject was defined, and the counts."""

    quads: list[ox.Quad] = field(default_factory=list)
    locations: dict[str, Record] = field(default_factory=dict)  # subject IRI -> record
    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI -> source file (display)
    imports: dict[str, ImportStats] = field(default_factory=dict)  # graph IRI -> importer figures
    reports: dict[str, ReportQuads] = field(default_factory=dict)  # graph IRI -> what a report holds


@lru_cache(maxsize=1024)
def curated_graph_iri(record_file: Path, source_root: Path) -> str:
    """Return the named graph of a curated file: ``graph/curated/{path relative to the source, no suffix}``."""
    try:
        rel = Path(record_file).resolve().relative_to(Path(source_root).resolve())
    except ValueError:
        rel = Path(Path(record_file).name)
    return graph_iri("curated", *rel.with_suffix("").parts)


def map_records(records: Iterable[tuple[Record, str]], ontology: Ontology, findings: list[Finding],
                known: dict[str, Entity] | None = None) -> Mapped:
    """Map ``(record, graph IRI)`` pairs to quads; ``known`` holds ids already in the store."""
    records = list(records)
    entities: dict[str, Entity] = dict(known or {})
    accepted: list[tuple[Record, str, ClassInfo]] = []
    out = Mapped()
    # Pass 1: classes, IRIs and unique ids.
    for rec, graph in records:
        kinds = ontology.record_kinds()
        cls = kinds.get(rec.kind.text)
        if cls is None:
            close = difflib.get_close_matches(rec.kind.text, list(kinds), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            _error(findings, rec.kind.loc, rec.id, f"unknown kind {rec.kind.text!r}; {hint}"
                   f"kinds are {', '.join(sorted(kinds))}")
            continue
        first = entities.get(rec.id)
        if rec.merge:
            if first is None:
                _error(findings, rec.loc, rec.id, f"merges into unknown id {rec.id!r}")
            else:
                accepted.append((rec, graph, first.cls or cls))
            continue
        if first is not None:
            _error(findings, rec.key_locs.get("id", rec.loc), rec.id,
                   f"duplicate id {rec.id!r} (first defined at {first.where}); ids must be unique "
                   "across all curated files")
            continue
        iri = resource_iri(cls.segment, rec.id)
        entities[rec.id] = Entity(iri, cls, str(rec.loc))
        accepted.append((rec, graph, cls))
    # Pass 2: values and references.
    for rec, graph, cls in accepted:
        g = ox.NamedNode(graph)
        subject = ox.NamedNode(entities[rec.id].iri)
        out.locations.setdefault(subject.value, rec)
        out.graphs.setdefault(graph, rec.loc.file)
        emit = _Emitter(out.quads, subject, g)
        if not rec.merge:
            emit(RDF_TYPE, ox.NamedNode(cls.iri))
            if cls.scheme:
                emit(IN_SCHEME, ox.NamedNode(cls.scheme))
        for lang, value in rec.label.items():
            emit(RDFS_LABEL, ox.Literal(value.text.strip(), language=lang))
        for value in rec.aliases:
            emit(ALT_LABEL, ox.Literal(value.text.strip()))
        for lang, value in rec.description.items():
            emit(DESCRIPTION, ox.Literal(value.text.strip(), language=lang))
        for value in rec.distinct_from:
            target = _resolve(value, entities, findings, rec.id, "distinctFrom")
            if target:
                emit(OWL_DIFFERENT, ox.NamedNode(target.iri))
        for src in rec.sources:
            _map_source(src, emit, entities, findings, rec.id)
        for name, vals in rec.properties.items():
            prop = ontology.properties.get(name)
            loc = rec.key_locs.get(name, rec.loc)
            if prop is None:
                _error(findings, loc, rec.id, f"unknown property {name!r} for a {cls.name}; "
                       f"did you mean {_suggest(name, ontology.properties)}?")
                continue
            if prop.domains and not any(ontology.is_a(cls, d) for d in prop.domains):
                owners = ", ".join(sorted(d.rsplit("#", 1)[-1] for d in prop.domains))
                _error(findings, loc, rec.id, f"{name!r} is a property of {owners}, not of {cls.name}")
                continue
            for value in vals:
                obj = _convert(value, prop, ontology, entities, findings, rec.id)
                if obj is not None:
                    emit(ox.NamedNode(prop.iri), obj)
    return out


class _Emitter:
    def __init__(self, quads: list[ox.Quad], subject: ox.NamedNode, graph: ox.NamedNode):
        self.quads, self.subject, self.graph = quads, subject, graph

    def __call__(self, predicate: ox.NamedNode, obj, subject: ox.NamedNode | None = None) -> None:
        self.quads.append(ox.Quad(subject or self.subject, predicate, obj, self.graph))


def _map_source(src, emit: _Emitter, entities: dict[str, Entity], findings: list[Finding], rid: str) -> None:
    if src.is_url:
        try:
            node = values.url_node(src.ref.text)
        except ValueError as exc:
            _error(findings, src.ref.loc, rid, f"source {exc}")
            return
    else:
        target = _resolve(src.ref, entities, findings, rid, "sources",
                          hint="a source is an http(s) URL or the id of a Document record")
        if target is None:
            return
        node = ox.NamedNode(target.iri)
    emit(SOURCE, node)
    if src.accessed is not None:
        try:
            emit(ACCESSED, values.full_date(src.accessed.text), subject=node)
        except ValueError as exc:
            _error(findings, src.accessed.loc, rid, f"'accessed' {exc}")


def _convert(value: Value, prop: PropertyInfo, ontology: Ontology, entities: dict[str, Entity],
             findings: list[Finding], rid: str):
    if prop.is_object:
        target = _resolve(value, entities, findings, rid, prop.name)
        if target is None:
            return None
        expected = ontology.class_by_iri(prop.range) if prop.range else None
        if expected and target.cls and not ontology.is_a(target.cls, expected.iri):
            _error(findings, value.loc, rid, f"'{prop.name}' expects {_article(expected.name)} {expected.name}, but "
                   f"{value.text!r} is a {target.cls.name}")
            return None
        return ox.NamedNode(target.iri)
    try:
        rng = prop.range
        if rng == onto_mod.PARTIAL_DATE:
            return values.partial_date(value.text)
        if rng == onto_mod.DATE:
            return values.full_date(value.text)
        if rng == onto_mod.INTEGER:
            return values.whole_number(value.text, value.tag)
        if rng == onto_mod.DECIMAL:
            return values.decimal(value.text, value.tag)
        if rng == onto_mod.DOUBLE:
            return values.double(value.text, value.tag)
        if rng == onto_mod.BOOLEAN:
            return values.boolean(value.text, value.tag)
        if rng == onto_mod.ANY_URI:
            return values.any_uri(value.text)
        return ox.Literal(value.text.strip())
    except ValueError as exc:
        _error(findings, value.loc, rid, f"'{prop.name}' {exc}")
        return None


def _resolve(value: Value, entities: dict[str, Entity], findings: list[Finding], rid: str,
             key: str, hint: str | None = None) -> Entity | None:
    target = entities.get(value.text)
    if target is None:
        close = difflib.get_close_matches(value.text, list(entities), n=3, cutoff=0.6)
        suggestion = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else \
            "; add a record with that id or fix the reference"
        extra = f" ({hint})" if hint else ""
        _error(findings, value.loc, rid, f"'{key}' refers to unknown id {value.text!r}{extra}{suggestion}")
    return target


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    return ", ".join(repr(c) for c in close) if close else "(no similar name; see docs/curated-format.md)"


def _error(findings: list[Finding], loc: Loc, subject: str, message: str) -> None:
    findings.append(Finding("ERROR", message, loc.file, loc.line, loc.col, subject))


# --- the whole build: sources -> records -> quads -> validation -> store -----------------------

@dataclass
class BuildResult:
    """What a build did: where it wrote, how much, and what validation found."""

    store_path: Path
    written: bool
    quads: int
    stats: GraphStats
    findings: list[Finding]
    seconds: float
    files: list[str]
    reports: list[ReportQuads] = field(default_factory=list)

    def report_lines(self) -> list[str]:
        """One line per report read: what its graph holds."""
        return [f"{r.display}: {r.paragraphs} paragraphs, {r.mentions} mentions ({r.linked} linked), "
                f"{r.candidates} candidates, {r.statistics} statistics, {r.relations} relations"
                for r in self.reports]


IMPORTERS = {"epoch": read_epoch, "ecosystem-graphs": read_ecosystem_graphs, "csv": read_csv}
# What an importer's figures are called in the metadata graph (ImportStats field -> property).
IMPORT_FIGURES = dict(zip(("rows", "merged", "created", "unresolved", "references", "unresolved_references",
                           "new_related"), stats_mod.IMPORT_FIGURES))


def import_graph_iri(kind: str, path: Path) -> str:
    """Return the named graph of an imported dataset: ``graph/{kind}/{file or folder name}``."""
    return graph_iri(kind, Path(path).stem or "data")


def read_sources(config: Config, findings: list[Finding], ontology: Ontology | None = None
                 ) -> tuple[list[tuple[Record, str]], dict[str, ImportStats]]:
    """Read every configured source into ``(record, named graph)`` pairs, and importer figures.

    Curated sources come first; imported datasets follow in their configured order, each resolving
    its names against the records read before it (``kg.ingest.resolve``).
    """
    pairs: list[tuple[Record, str]] = []
    present = []
    for source in config.sources:
        if not source.path.exists():
            if source.optional:
                continue
            raise ConfigError(f"source {source.path} (kind {source.kind}) does not exist; "
                              f"fix [[sources]] in {config.file}")
        present.append(source)
    for source in present:
        if source.kind == "curated":
            pairs += _curated_pairs(source.path, findings, config.root)
    imports: dict[str, ImportStats] = {}
    importers = [s for s in present if s.kind in IMPORTERS]
    if importers:
        ontology = ontology or load_ontology(config.ontology_path, config.shapes_path)
        index = index_records(pairs, ontology)
        for source in importers:
            graph = import_graph_iri(source.kind, source.path)
            records, stats = _run_importer(source.kind, source.path, graph, index, findings, config.root)
            pairs += records
            imports[graph] = stats
    return pairs, imports


def _run_importer(kind: str, path: Path, graph: str, index: NameIndex, findings: list[Finding],
                  root: Path) -> tuple[list[tuple[Record, str]], ImportStats]:
    if kind == "epoch":
        return read_epoch(path, graph, index, findings, display=display_path(path, root))
    if kind == "csv":
        return read_csv(path, graph, index, findings, display=display_path(path, root))
    return read_ecosystem_graphs(path, graph, index, findings, display_root=root)


def index_records(pairs: list[tuple[Record, str]], ontology: Ontology) -> NameIndex:
    """Index the names (labels, aliases, ids) of ``pairs``' records by IRI segment."""
    index = NameIndex()
    for rec, _ in pairs:
        cls = ontology.classes.get(rec.kind.text)
        if cls is not None and not rec.merge:
            index.add(cls.segment, rec.id, [v.text for v in rec.label.values()] + [v.text for v in rec.aliases])
    return index


def index_store(store: ox.Store, ontology: Ontology, skip_graphs: set[str]) -> NameIndex:
    """Index the names of the entities in ``store`` outside ``skip_graphs`` (for ``kg ingest``)."""
    index = NameIndex()
    names: dict[str, list[str]] = {}
    for pred in (RDFS_LABEL, ALT_LABEL):
        for q in store.quads_for_pattern(None, pred, None, None):
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in skip_graphs:
                names.setdefault(q.subject.value, []).append(q.object.value)
    evidence = str(AIGC.ReportElement)  # candidates and other text evidence are not entities to merge into
    for rid, entity in known_entities(store, ontology, skip_graphs).items():
        if entity.cls is not None and evidence not in entity.cls.ancestors:
            index.add(entity.cls.segment, rid, names.get(entity.iri, []))
    return index


def _curated_pairs(path: Path, findings: list[Finding], display_root: Path) -> list[tuple[Record, str]]:
    """Read a curated file or folder; each file's records go to the named graph of that file."""
    root = path if path.is_dir() else path.parent
    return [(r, curated_graph_iri(r.file, root)) for r in read_curated([path], findings, root=display_root)]


def record_locator(mapped: Mapped, fallback: Locator) -> Locator:
    """Locate subjects (and their properties) at the records they came from, else by ``fallback``."""
    def locate(iri: str, prop: str | None) -> Where:
        rec = mapped.locations.get(iri)
        if rec is None:
            return fallback(iri, prop)
        loc = rec.key_locs.get(prop, rec.loc) if prop else rec.loc
        return Where(loc.file, loc.line, loc.col, rec.id)
    return locate


def _with_limits(func):
    """Apply the configuration's ``[limits]`` to every source reader ``func`` calls."""
    @functools.wraps(func)
    def wrapper(config: Config, *args, **kwargs):
        with limits_applied(config.limits):
            return func(config, *args, **kwargs)
    return wrapper


def _one_writer(func):
    """Hold the store's writer lock for the whole call (not only while writing), so a second
    build or ingest fails at once instead of after reading every source. ``write=False``
    (kg validate) writes nothing and takes no lock."""
    @functools.wraps(func)
    def wrapper(config: Config, *args, **kwargs):
        if not kwargs.get("write", True):
            return func(config, *args, **kwargs)
        with write_lock(config.store_path):
            return func(config, *args, **kwargs)
    return wrapper


@_with_limits
@_one_writer
def build_graph(config: Config, *, write: bool = True, progress: Callable[[str], None] | None = None) -> BuildResult:
    """Rebuild the whole graph from the configured sources, validate it, and write the store.

    With ``write=False`` the graph is built and validated in memory only (``kg validate``).
    Raises :class:`InputError` for malformed sources and :class:`ValidationError` when the built
    graph fails its checks; in both cases the store on disk is untouched.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    ontology = load_ontology(config.ontology_path, config.shapes_path)
    findings: list[Finding] = []
    say("reading sources")
    pairs, imports = read_sources(config, findings, ontology)
    reports = [s.path for s in config.sources if s.kind == "report" and s.path.exists()]
    say(f"mapping {len(pairs)} records")
    mapped = map_records(pairs, ontology, findings, report_documents(reports, ontology))
    mapped.imports = imports
    errors = [f for f in findings if f.level == "ERROR"]
    if errors:
        raise InputError(f"build refused: {len(errors)} error(s) in the sources; "
                         f"the store at {config.store_path} is unchanged", findings)
    if reports:  # linked against everything the other sources define
        gazetteer = Gazetteer.from_quads(mapped.quads, mapped.quads, ontology)
        _add_reports(mapped, map_reports(reports, gazetteer, config.root, say))
    files = sorted(set(mapped.graphs.values()))
    if not write:
        store = ox.Store()
        _fill(store, mapped, ontology, files)
        return _finish(config, store, mapped, ontology, findings, started, files, False, say)
    with open_generation(config, say, locked=True) as gen:  # on disk, or a remote SPARQL store ([store] kind)
        say(f"writing {len(mapped.quads)} quads")
        _fill(gen.store, mapped, ontology, files)
        mapped.quads = []  # the store holds them now: free them before validation
        result = _finish(config, gen.store, mapped, ontology, findings, started, files, True, say)
        gen.commit()
    result.seconds = time.perf_counter() - started
    return result


def report_documents(paths: list[Path], ontology: Ontology) -> dict[str, Entity]:
    """The Documents that report files define, so curated records may cite them by id."""
    doc = ontology.classes["Document"]
    return {report_slug(f): Entity(document_iri(f), doc, str(f)) for p in paths for f in report_files(p)}


def _add_reports(mapped: Mapped, reports: list[ReportQuads]) -> None:
    for report in reports:
        mapped.quads += report.quads
        mapped.graphs[report.graph] = report.display
        mapped.reports[report.graph] = report


def _fill(store: ox.Store, mapped: Mapped, ontology: Ontology, files: list[str]) -> None:
    store.bulk_extend(mapped.quads)
    store.bulk_load(path=str(ontology.path), format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    meta = ox.NamedNode(META_GRAPH)
    now = ox.Literal(datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
    digests = graph_digests(mapped.quads)
    for graph, file in mapped.graphs.items():
        g = ox.NamedNode(graph)
        store.add(ox.Quad(g, RDF_TYPE, ox.NamedNode(str(PROV.Entity)), meta))
        store.add(ox.Quad(g, ox.NamedNode(str(DCTERMS.identifier)), ox.Literal(file), meta))
        store.add(ox.Quad(g, ox.NamedNode(str(PROV.generatedAtTime)), now, meta))
        store.add(ox.Quad(g, ox.NamedNode(str(AIGC.contentDigest)), ox.Literal(digests[graph]), meta))
        if graph in mapped.imports:
            figures = mapped.imports[graph]
            for name, prop in IMPORT_FIGURES.items():
                store.add(ox.Quad(g, ox.NamedNode(str(AIGC[prop])), ox.Literal(str(getattr(figures, name)),
                                  datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), meta))


def graph_digests(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """Hash each named graph's quads (in the order the build wrote them): equal input, equal digest.

    ``kg sync`` compares these with the digests of its last sync to skip unchanged graphs.
    """
    hashes: dict[str, hashlib._Hash] = {}
    for quad in quads:
        h = hashes.get(quad.graph_name.value)
        if h is None:
            h = hashes[quad.graph_name.value] = hashlib.blake2b(digest_size=16)
        h.update(str(quad).encode("utf-8"))
    return {g: h.hexdigest() for g, h in hashes.items()}


def _finish(config: Config, store: ox.Store, mapped: Mapped, ontology: Ontology, findings: list[Finding],
            started: float, files: list[str], written: bool, say) -> BuildResult:
    say("validating")
    previous = open_store(config) if written and store_exists(config) else None
    findings.extend(validate_replaced(store, ontology, set(mapped.graphs), previous,  # incremental for ingest
                                      record_locator(mapped, store_locator(store))))
    errors = [f for f in findings if f.level == "ERROR"]
    if errors:
        raise ValidationError(f"validation failed: {len(errors)} error(s); "
                              f"the store at {config.store_path} is unchanged", findings)
    return BuildResult(config.store_path, written, len(store), graph_stats(store, ontology), findings,
                       time.perf_counter() - started, files, list(mapped.reports.values()))


def known_entities(store: ox.Store, ontology: Ontology, skip_graphs: set[str]) -> dict[str, Entity]:
    """Return the ids already defined in ``store`` outside ``skip_graphs`` (for ``kg ingest``)."""
    known: dict[str, Entity] = {}
    for quad in store.quads_for_pattern(None, RDF_TYPE, None, None):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        if graph in skip_graphs or graph == ONTOLOGY_GRAPH or not isinstance(quad.subject, ox.NamedNode):
            continue
        iri = quad.subject.value
        if iri.startswith(RESOURCE):
            known[iri.rsplit("/", 1)[-1]] = Entity(iri, ontology.class_by_iri(quad.object.value), graph)
    return known


@_with_limits
@_one_writer
def ingest_files(config: Config, kind: str, paths: list[Path], *,
                 progress: Callable[[str], None] | None = None) -> BuildResult:
    """Add (or replace) the named graphs of ``paths`` in the store, validate, and commit atomically."""
    if kind not in ("curated", "report") and kind not in IMPORTERS:
        raise ConfigError(f"unknown source kind {kind!r}; expected curated, report, {', '.join(IMPORTERS)}")
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    ontology = load_ontology(config.ontology_path, config.shapes_path)
    findings: list[Finding] = []
    pairs: list[tuple[Record, str]] = []
    for path in paths:
        if not Path(path).exists():
            raise ConfigError(f"{path} does not exist")
    old = open_store(config) if store_exists(config) else ox.Store()
    if hasattr(old, "snapshot"):  # a remote store: read it once into memory, then work locally
        old = old.snapshot()
    imports: dict[str, ImportStats] = {}
    reports: list[ReportQuads] = []
    if kind == "curated":
        for path in paths:
            pairs += _curated_pairs(Path(path), findings, config.root)
        replaced = {graph for _, graph in pairs}
    elif kind == "report":
        replaced = {report_graph_iri(f) for p in paths for f in report_files(Path(p))}
        gazetteer = Gazetteer.from_store(old, ontology, frozenset(replaced))
        reports = map_reports([Path(p) for p in paths], gazetteer, config.root, say)
    else:
        replaced = {import_graph_iri(kind, Path(p)) for p in paths}
        index = index_store(old, ontology, replaced | {ONTOLOGY_GRAPH, META_GRAPH})
        for path in paths:
            graph = import_graph_iri(kind, Path(path))
            say(f"importing {path}")
            records, imports[graph] = _run_importer(kind, Path(path), graph, index, findings, config.root)
            pairs += records
    mapped = map_records(pairs, ontology, findings, known_entities(old, ontology, replaced))
    mapped.imports = imports
    _add_reports(mapped, reports)
    errors = [f for f in findings if f.level == "ERROR"]
    if errors:
        raise InputError(f"ingest refused: {len(errors)} error(s); the store at "
                         f"{config.store_path} is unchanged", findings)
    files = sorted(set(mapped.graphs.values()))
    with open_generation(config, say, locked=True) as gen:
        say("copying the current graph")
        gen.store.bulk_extend(q for q in old.quads_for_pattern(None, None, None, None)
                              if not (isinstance(q.graph_name, ox.NamedNode)
                                      and q.graph_name.value in replaced | {ONTOLOGY_GRAPH}))
        del old
        meta = ox.NamedNode(META_GRAPH)
        for graph in replaced:  # the data graphs were left out above; drop their metadata too
            for q in list(gen.store.quads_for_pattern(ox.NamedNode(graph), None, None, meta)):
                gen.store.remove(q)
        _fill(gen.store, mapped, ontology, files)
        result = _finish(config, gen.store, mapped, ontology, findings, started, files, True, say)
        gen.commit()
    return result
