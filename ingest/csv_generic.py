"""Read a generic CSV (source kind ``csv``): one entity per row, in the curated data's terms.

The header names the columns; a row becomes one record, as a curated YAML record would::

    id,kind,label_zh,label_en,aliases,sources,developedBy,releaseDate
    ernie-4,Model,文心大模型4.0,ERNIE 4.0,ERNIE-4;文心4.0,https://yiyan.baidu.com,baidu,2023-10-17

============== ===================================================================
column         holds
============== ===================================================================
id             the record's id (a slug: lowercase ASCII, digits, ``-._``); required
kind           its class (Company, Model, ...); required
label_zh/_en   its names; at least one of the two
aliases        other names, separated by ``;``
description_zh its descriptions (also ``description_en``)
sources        URLs or Document ids that confirm it, separated by ``;``; required
any other      an ontology property (``developedBy``, ``releaseDate``, ...); several
               values separated by ``;``; references are ids, as in curated YAML
============== ===================================================================

Empty cells are left out. Every value keeps its ``file:line:column``. A cell starting with
``=``, ``+``, ``-`` or ``@`` (a spreadsheet formula) is kept as text and never evaluated; where
kg writes CSV itself (query results, exports) such cells are quoted with ``'`` so a spreadsheet
shows them as text too. The file is read as a stream, row by row, within ``[limits]``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from kg.errors import Finding
from kg.ingest.curated import SLUG_RE, Loc, Record, SourceRef, Value
from kg.ingest.limits import CountedRows, check_file_size
from kg.ingest.resolve import ImportStats, NameIndex

REQUIRED = ("id", "kind", "sources")
LABELS = {"label_zh": "zh", "label_en": "en"}
DESCRIPTIONS = {"description_zh": "zh", "description_en": "en"}
LISTS = ("aliases", "sources")
SEPARATOR = ";"
_INT = re.compile(r"^[+-]?[0-9]+$")
_FLOAT = re.compile(r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?$")
_MAX_FIELD = 1 << 20  # the csv module's own default (128 KiB) would refuse long descriptions


def read_csv(path: Path, graph: str, index: NameIndex, findings: list[Finding],
             display: str | None = None) -> tuple[list[tuple[Record, str]], ImportStats]:
    """Read the CSV at ``path`` into records for ``graph``; problems go to ``findings`` with their location."""
    name = display or str(path)
    stats = ImportStats()
    check_file_size(path, name)
    out: list[tuple[Record, str]] = []
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        findings.append(Finding("ERROR", f"cannot read file: {exc.strerror}", name))
        return out, stats
    old_limit = csv.field_size_limit(_MAX_FIELD)
    reader = csv.reader(fh)
    rows_read = CountedRows(reader, name)
    try:
        with fh:
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                findings.append(Finding("ERROR", "file is empty; expected a header row "
                                        f"({', '.join(REQUIRED)}, label_zh or label_en, ...)", name, 1, 1))
                return out, stats
            if not _header_ok(header, name, findings):
                return out, stats
            cols = {h: i for i, h in enumerate(header)}
            for line, cells in rows_read:
                stats.rows += 1
                if len(cells) != len(header):
                    findings.append(Finding("WARNING", f"row has {len(cells)} fields, the header {len(header)}; "
                                            "skipped: quote cells that hold commas", name, line, 1))
                    stats.unresolved += 1
                    continue
                rec = _record(cells, cols, name, line, Path(path), findings)
                if rec is None:
                    stats.unresolved += 1
                    continue
                index.add("csv", rec.id, [])  # reserve the id: an importer read later picks another
                stats.created += 1
                out.append((rec, graph))
    except UnicodeDecodeError as exc:
        findings.append(Finding("ERROR", f"the file is not UTF-8 ({exc.reason} near line {rows_read.line}); "
                                f"re-save it as UTF-8, e.g. iconv -f GB18030 -t UTF-8 {name} > {name}.utf8",
                                name, rows_read.line))
        return [], stats
    except csv.Error as exc:
        findings.append(Finding("ERROR", f"malformed CSV: {exc}; fix the quoting of this row", name, rows_read.line))
        return [], stats
    finally:
        csv.field_size_limit(old_limit)
    return out, stats


def _header_ok(header: list[str], name: str, findings: list[Finding]) -> bool:
    problems = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        problems.append(f"no column {', '.join(repr(c) for c in missing)}")
    if not set(LABELS) & set(header):
        problems.append("no column 'label_zh' or 'label_en'")
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        problems.append(f"column(s) {', '.join(repr(h) for h in twice)} appear twice")
    if "" in header:
        problems.append(f"column {header.index('') + 1} has no name")
    if problems:
        findings.append(Finding("ERROR", f"{'; '.join(problems)} in the header; expected id, kind, label_zh "
                                "and/or label_en, sources, then property columns (docs/importers.md)",
                                name, 1, 1))
    return not problems


def _tag(text: str) -> str:
    """The type YAML would give the text: CSV cells are typed as the curated YAML's are."""
    if _INT.match(text):
        return "int"
    if _FLOAT.match(text):
        return "float"
    if text.lower() in ("true", "false"):
        return "bool"
    return "str"


def _record(cells: list[str], cols: dict[str, int], name: str, line: int, path: Path,
            findings: list[Finding]) -> Record | None:
    def value(col: str, text: str | None = None) -> Value:
        text = cells[cols[col]].strip() if text is None else text
        return Value(text, _tag(text), Loc(name, line, cols[col] + 1))

    def items(col: str) -> list[Value]:
        return [value(col, t.strip()) for t in cells[cols[col]].split(SEPARATOR) if t.strip()]

    rid = cells[cols["id"]].strip()
    if not SLUG_RE.match(rid):
        findings.append(Finding("ERROR", f"id {rid[:80]!r} is not a slug; use lowercase ASCII letters, digits, "
                                "'-', '.' or '_' (e.g. 'ernie-4.0')", name, line, cols["id"] + 1))
        return None
    kind = value("kind")
    if not kind.text:
        findings.append(Finding("ERROR", "row has no kind; fill the 'kind' column (e.g. Company)",
                                name, line, cols["kind"] + 1, rid))
        return None
    rec = Record(id=rid, kind=kind, loc=Loc(name, line, 1), file=path)
    rec.key_locs = {col: Loc(name, line, i + 1) for col, i in cols.items()}
    rec.label = {lang: value(col) for col, lang in LABELS.items() if col in cols and cells[cols[col]].strip()}
    if not rec.label:
        findings.append(Finding("ERROR", "row has no label; fill label_zh or label_en", name, line, 1, rid))
        return None
    rec.description = {lang: value(col) for col, lang in DESCRIPTIONS.items()
                       if col in cols and cells[cols[col]].strip()}
    rec.sources = [SourceRef(v) for v in items("sources")]
    if not rec.sources:
        findings.append(Finding("ERROR", "row has no sources; add at least one URL or document id that "
                                "confirms it", name, line, cols["sources"] + 1, rid))
        return None
    if "aliases" in cols:
        rec.aliases = items("aliases")
    for col in cols:
        if col in REQUIRED or col in LABELS or col in DESCRIPTIONS or col in LISTS:
            continue
        vals = items(col)
        if vals:
            rec.properties[col] = vals
            rec.key_locs[col] = vals[0].loc
    return rec
