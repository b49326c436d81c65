"""CSV files in the layout ``neo4j-admin database import`` reads, and a reader that checks them.

The export is a folder (or a zip) holding:

- ``nodes-<Labels>.csv`` — one file per label set (split further where a property has values of
  different types, e.g. a full date and a partial one); header ``uri:ID,:LABEL,name:type,...``
  with the types ``long``, ``double``, ``boolean``, ``date``, ``string`` and arrays (``string[]``);
- ``relationships.csv`` — ``:START_ID,:END_ID,:TYPE,sources:string[]``;
- ``import.sh`` — the ``neo4j-admin database import full`` command that loads them (arrays are
  separated by ``;``, or another character when a value contains one).

:func:`read_import_files` parses such a folder as neo4j-admin would (header grammar, types,
array splitting) and is what the tests use to load an export into Neo4j.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shlex
import zipfile
from collections import defaultdict
from pathlib import Path

from kg.errors import InputError
from kg.export.pgview import property_graph_view, text, value_type

COMMAND = "import.sh"
_DELIMITERS = (";", "|", "\u001f")
_TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "point", "date",
          "localtime", "time", "localdatetime", "datetime", "duration"}


def _column_type(value) -> str:
    return f"{value_type(value)}[]" if isinstance(value, list) else value_type(value)


def _cell(value, delimiter: str) -> str:
    return text(value, delimiter)


def _groups(view) -> dict[tuple, list]:
    by_labels: dict[tuple, list] = defaultdict(list)
    for node in view.nodes:
        by_labels[tuple(node.labels)].append(node)
    out: dict[tuple, list] = {}
    for labels, nodes in sorted(by_labels.items()):
        seen: dict[str, set[str]] = defaultdict(set)
        for n in nodes:
            for k, v in n.props.items():
                seen[k].add(_column_type(v))
        mixed = sorted(k for k, ts in seen.items() if len(ts) > 1)
        for n in nodes:
            key = (labels, tuple((k, _column_type(n.props[k])) for k in mixed if k in n.props))
            out.setdefault(key, []).append(n)
    return out


def write_csv(selection, sink, ontology, progress) -> int:
    """Write the files through ``sink(name) -> text stream`` (a folder or a zip)."""
    view = property_graph_view(selection, ontology)
    values = [v for n in view.nodes for v in n.props.values() if isinstance(v, list)]
    delimiter = next((d for d in _DELIMITERS if not any(d in str(x) for v in values for x in v)), _DELIMITERS[-1])
    node_files = []
    names: dict[str, int] = defaultdict(int)
    for (labels, _), nodes in _groups(view).items():
        stem = "nodes-" + "_".join(l for l in labels if l != "Resource") if len(labels) > 1 else "nodes-Resource"
        names[stem] += 1
        name = f"{stem}{'' if names[stem] == 1 else '-' + str(names[stem])}.csv"
        node_files.append(name)
        columns: dict[str, str] = {}
        for n in nodes:
            for k, v in n.props.items():
                if k != "uri":
                    columns.setdefault(k, _column_type(v))
        keys = sorted(columns)
        with sink(name) as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["uri:ID", ":LABEL"] + [f"{k}:{columns[k]}" for k in keys])
            for n in nodes:
                writer.writerow([n.uri, delimiter.join(n.labels)] +
                                [_cell(n.props[k], delimiter) if k in n.props else "" for k in keys])
        progress(f"wrote {name} ({len(nodes):,} nodes)")
    with sink("relationships.csv") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([":START_ID", ":END_ID", ":TYPE", "sources:string[]"])
        for r in view.rels:
            writer.writerow([r.start, r.end, r.type, delimiter.join(r.sources)])
    args = ["neo4j-admin", "database", "import", "full", f"--array-delimiter={delimiter}",
            "--multiline-fields=true"] + [f"--nodes={f}" for f in node_files] + \
        ["--relationships=relationships.csv", "neo4j"]
    with sink(COMMAND) as fh:
        fh.write("#!/bin/sh\n# Load this export into an empty, stopped Neo4j (run from this folder).\n")
        fh.write(shlex.join(args) + "\n")
    return len(selection.quads)


def folder_sink(path: Path):
    """Return a sink writing files into a folder."""
    path.mkdir(parents=True, exist_ok=True)
    return lambda name: open(path / name, "w", encoding="utf-8", newline="")


class ZipSink:
    """A sink writing files into a zip archive (a path or a binary file object)."""

    def __init__(self, target):
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)

    def __call__(self, name):
        return io.TextIOWrapper(self.zip.open(name, "w"), encoding="utf-8", newline="")

    def close(self):
        self.zip.close()


# ----------------------------------------------------------------------------- reading back


def _read_member(root, name: str) -> str:
    if isinstance(root, zipfile.ZipFile):
        return root.read(name).decode("utf-8")
    return (Path(root) / name).read_text(encoding="utf-8")


def parse_header(fields: list[str], kind: str, where: str) -> list[tuple[str, str, bool]]:
    """Check a header as neo4j-admin does; return (name or special, type, is array) per column."""
    out, names, specials = [], set(), defaultdict(int)
    for field in fields:
        m = re.fullmatch(r"([^:]*)(?::(\w+)(?:\(([^)]*)\))?(\[\])?)?", field)
        if not m:
            raise InputError(f"{where}: header field {field!r} is not name:type")
        name, typ, array = m.group(1), (m.group(2) or "string"), bool(m.group(4))
        if typ in ("ID", "LABEL", "START_ID", "END_ID", "TYPE", "IGNORE"):
            specials[typ] += 1
            out.append((name or "", typ, False))
            continue
        if typ.lower() not in _TYPES:
            raise InputError(f"{where}: header field {field!r} has unknown type {typ!r}")
        if not name or name in names:
            raise InputError(f"{where}: header field {field!r} has {'no name' if not name else 'a duplicate name'}")
        names.add(name)
        out.append((name, typ.lower(), array))
    need = {"nodes": {"ID": 1}, "relationships": {"START_ID": 1, "END_ID": 1, "TYPE": 1}}[kind]
    for special, n in need.items():
        if specials[special] != n:
            raise InputError(f"{where}: a {kind} header needs exactly one :{special}, found {specials[special]}")
    return out


def _convert(text: str, typ: str):
    if typ in ("int", "long", "short", "byte"):
        return int(text)
    if typ in ("float", "double"):
        return float(text)
    if typ == "boolean":
        return text.lower() == "true"
    if typ == "date":
        return dt.date.fromisoformat(text)
    return text


def read_import_files(path) -> tuple[list[dict], list[dict]]:
    """Read an export as ``neo4j-admin database import`` would; return nodes and relationships.

    Nodes: ``{"id", "labels", "props"}`` (the ``name:ID`` column is also the property ``name``);
    relationships: ``{"start", "end", "type", "props"}``. Raises :class:`InputError` on a bad header.
    """
    path = Path(path) if not isinstance(path, zipfile.ZipFile) else path
    root = zipfile.ZipFile(path) if isinstance(path, Path) and path.is_file() else path
    args = shlex.split([line for line in _read_member(root, COMMAND).splitlines()
                        if line.startswith("neo4j-admin")][0])
    delimiter = next(a.split("=", 1)[1] for a in args if a.startswith("--array-delimiter="))
    nodes, rels = [], []
    for arg in args:
        if not arg.startswith(("--nodes=", "--relationships=")):
            continue
        kind, name = arg[2:].split("=", 1)
        rows = list(csv.reader(io.StringIO(_read_member(root, name))))
        header = parse_header(rows[0], kind, name)
        for line, row in enumerate(rows[1:], 2):
            if len(row) != len(header):
                raise InputError(f"{name}:{line}: {len(row)} fields, the header has {len(header)}")
            item = {"props": {}, "labels": []}
            for (prop, typ, array), cell in zip(header, row):
                if typ == "ID":
                    item["id"] = cell
                    if prop:
                        item["props"][prop] = cell
                elif typ == "LABEL":
                    item["labels"] = [x for x in cell.split(delimiter) if x]
                elif typ in ("START_ID", "END_ID", "TYPE"):
                    item[{"START_ID": "start", "END_ID": "end", "TYPE": "type"}[typ]] = cell
                elif cell != "":
                    item["props"][prop] = [_convert(x, typ) for x in cell.split(delimiter)] if array \
                        else _convert(cell, typ)
            (nodes if kind == "nodes" else rels).append(item)
    return nodes, rels
