"""Export a subgraph: choose it (``select``), then write it in one of :data:`FORMATS`.

>>> sorted(FORMATS)[:4]
['csv', 'cypher', 'gexf', 'graphml']

Typical use::

    store = kg.open_store(config.store_path)
    sel = select_subgraph(store, ["DeepSeek-V3"], hops=2)
    export_subgraph(sel, "graphml", "deepseek.graphml")

Every format is one module with one ``write_*`` function; this table is the only place that
lists them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.export import csv_neo4j, cypher, gexf, graphml, html, rdf
from kg.export.pgview import PGView, property_graph_view
from kg.export.select import (Selection, node_class, resolve_seed, select_cypher, select_nodes,
                              select_sparql, select_subgraph)
from kg.ontology import Ontology, load_ontology

# An export of more quads than this (or an HTML page of more nodes than HTML_BOUND) needs force=True.
EXPORT_BOUND = 500_000
HTML_BOUND = 3_000


@dataclass(frozen=True)
class Format:
    """One output format: its writer, file extension and media type."""

    name: str
    write: Callable
    extension: str
    media_type: str
    description: str


FORMATS: dict[str, Format] = {f.name: f for f in [
    Format("turtle", rdf.write_turtle, ".ttl", "text/turtle", "Turtle (triples)"),
    Format("ntriples", rdf.write_ntriples, ".nt", "application/n-triples", "N-Triples (triples)"),
    Format("nquads", rdf.write_nquads, ".nq", "application/n-quads", "N-Quads (named graphs kept)"),
    Format("trig", rdf.write_trig, ".trig", "application/trig", "TriG (named graphs kept)"),
    Format("jsonld", rdf.write_jsonld, ".jsonld", "application/ld+json", "JSON-LD with the published @context"),
    Format("graphml", graphml.write_graphml, ".graphml", "application/graphml+xml", "GraphML (Gephi, yEd, networkx)"),
    Format("gexf", gexf.write_gexf, ".gexf", "application/gexf+xml", "GEXF (Gephi)"),
    Format("csv", csv_neo4j.write_csv, ".zip", "application/zip", "CSV files for neo4j-admin database import"),
    Format("cypher", cypher.write_cypher, ".cypher", "application/x-cypher-query", "Cypher script that recreates the subgraph"),
    Format("html", html.write_html, ".html", "text/html", "standalone interactive HTML graph"),
]}


@dataclass
class ExportResult:
    """What an export wrote."""

    format: str
    dest: str
    quads: int
    nodes: int


def _check_bound(selection: Selection, fmt: str, force: bool, bound: int) -> None:
    if force:
        return
    if len(selection.quads) > bound:
        raise InputError(f"the selection has {len(selection.quads):,} facts, more than the bound of {bound:,}; "
                         "narrow it (fewer hops, filters, --limit) or pass --force to export it anyway")
    if fmt == "html" and len(selection.nodes) > HTML_BOUND:
        raise InputError(f"the selection has {len(selection.nodes):,} nodes, too many to draw in HTML "
                         f"(bound {HTML_BOUND:,}); narrow it, choose graphml or gexf, or pass --force")


def export_subgraph(selection: Selection, fmt: str, dest, *, ontology: Ontology | None = None,
                    progress: Callable[[str], None] | None = None, force: bool = False,
                    bound: int = EXPORT_BOUND) -> ExportResult:
    """Write ``selection`` as ``fmt`` to ``dest`` (a path or a binary file object).

    CSV goes to a folder, or to a zip when ``dest`` ends in ``.zip`` or is a file object.
    A file is written to a temporary name beside ``dest`` and renamed when complete, so a
    failed export leaves no half-written file. Raises :class:`InputError` for an unknown
    format, a selection above ``bound`` without ``force``, or a path that cannot be written.
    """
    spec = FORMATS.get(fmt)
    if spec is None:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    _check_bound(selection, fmt, force, bound)
    say = progress or (lambda _msg: None)
    ontology = ontology or load_ontology()
    target = "<stream>"
    try:
        if isinstance(dest, (str, os.PathLike)):
            path = Path(dest)
            target = str(path)
            if fmt == "csv" and path.suffix.lower() != ".zip":
                if path.is_file() or (path.is_dir() and any(path.iterdir())):
                    raise InputError(f"{path} exists and is not an empty folder; choose a new folder for the CSV files")
                csv_neo4j.write_csv(selection, csv_neo4j.folder_sink(path), ontology, say)
            else:
                tmp = path.with_name(f".{path.name}.part")
                try:
                    with open(tmp, "wb") as out:
                        _write(spec, selection, out, ontology, say)
                    os.replace(tmp, path)
                finally:
                    if tmp.exists():
                        tmp.unlink()
        else:
            _write(spec, selection, dest, ontology, say)
    except PermissionError as exc:
        raise InputError(f"cannot write {target}: permission denied; choose a writable path") from exc
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}; check the folder exists and the name") from exc
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    say(f"wrote {len(selection.quads):,} facts about {len(selection.nodes):,} nodes as {fmt}")
    return ExportResult(fmt, target, len(selection.quads), len(selection.nodes))


def _write(spec: Format, selection, out, ontology, say) -> None:
    if spec.name == "csv":
        sink = csv_neo4j.ZipSink(out)
        try:
            csv_neo4j.write_csv(selection, sink, ontology, say)
        finally:
            sink.close()
    else:
        spec.write(selection, out, ontology, say)


def export_bytes(selection: Selection, fmt: str, **kwargs) -> bytes:
    """Return the export as bytes (for downloads)."""
    buf = io.BytesIO()
    export_subgraph(selection, fmt, buf, **kwargs)
    return buf.getvalue()


__all__ = ["EXPORT_BOUND", "FORMATS", "ExportResult", "Format", "PGView", "Selection", "export_bytes",
           "export_subgraph", "node_class", "property_graph_view", "resolve_seed", "select_cypher",
           "select_nodes", "select_sparql", "select_subgraph"]
