"""Import Epoch AI's "Notable AI Models" CSV (https://epoch.ai/data/notable-ai-models, CC BY 4.0).

One row is one model. What is taken, and into which property:

============================== ====================================================
column                         becomes
============================== ====================================================
Model                          the model's English label (or an alias of the model
                               it resolves to)
Organization (comma-separated) ``developedBy``; an organization not yet known is
                               created, its kind from "Organization categorization"
                               (Industry: Company, Academia and Research collective:
                               ResearchInstitution, Government: GovernmentBody) and
                               ``headquarteredIn`` from "Country (from
                               Organization)" when the country is a known Region
Publication date               ``releaseDate``
Parameters                     ``parameterCount`` (rounded to a whole number)
Training compute (FLOP)        ``trainingCompute``
Model accessibility            ``openWeights``: true for "Open weights (...)", false
                               for "Unreleased", "API access", "Hosted access"
Domain                         ``hasModality`` where the domain is a modality
                               (Language: text, Vision and Image generation: image,
                               Speech and Audio: audio, Video: video)
Base model                     ``basedOn``, resolved among the known models and the
                               file's own rows
Link (URLs, one or several)    sources of the row, beside the dataset's page
============================== ====================================================

A row without a model name or without an organization cannot become a Model (every Model needs a
developer) and is reported as unresolved; so is a name that fits several entities. Values the
dataset leaves empty stay empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import Finding
from kg.ingest.curated import Loc, Record, SourceRef, Value
from kg.ingest.limits import CountedRows, check_file_size
from kg.ingest.resolve import ImportStats, NameIndex

DATASET_URL = "https://epoch.ai/data/notable-ai-models"
REQUIRED = ("Model", "Organization", "Publication date")
KINDS = {"Industry": "Company", "Academia": "ResearchInstitution", "Research collective": "ResearchInstitution",
         "Government": "GovernmentBody"}
MODALITIES = {"Language": "text", "Vision": "image", "Image generation": "image", "Speech": "audio",
              "Audio": "audio", "Video": "video"}
YEARS = (1950, 2026)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    cols: dict[str, int]

    def get(self, name: str) -> str:
        return (self.cells.get(name) or "").strip()

    def value(self, file: str, name: str, text: str | None = None, tag: str = "str") -> Value:
        return Value(self.get(name) if text is None else text, tag, Loc(file, self.line, self.cols.get(name, 0) + 1))


def read_epoch(path: Path, graph: str, index: NameIndex, findings: list[Finding],
               display: str | None = None) -> tuple[list[tuple[Record, str]], ImportStats]:
    """Read the CSV at ``path`` into records for ``graph``; ``index`` knows the entities so far."""
    name = display or str(path)
    stats = ImportStats()
    rows = _read_rows(Path(path), name, findings)
    if rows is None:
        return [], stats
    out: list[tuple[Record, str]] = []
    # Pass 1: every row's model gets its id (known or new), so base models can point at later rows.
    models: list[tuple[_Row, str, bool]] = []
    claimed: dict[str, int] = {}  # model id -> the line of the row that gave it
    for row in rows:
        stats.rows += 1
        label = row.get("Model")
        if not label:
            findings.append(Finding("WARNING", "row has no model name; skipped", name, row.line, 1))
            stats.unresolved += 1
            continue
        if not row.get("Organization"):
            findings.append(Finding("WARNING", "row names no organization, and a Model needs a developer; skipped",
                                    name, row.line, row.cols["Organization"] + 1, label))
            stats.unresolved += 1
            continue
        found = index.find("model", label)
        if len(found) > 1:
            findings.append(Finding("WARNING", f"model name fits several models ({', '.join(sorted(found))}); "
                                    "skipped: give one of them this name as an alias", name, row.line, 1, label))
            stats.unresolved += 1
            continue
        if found:
            rid, merged = found.pop(), True
            if rid in claimed:
                findings.append(Finding("WARNING", f"row is about the same model as line {claimed[rid]} ({rid}); "
                                        "skipped: one row per model", name, row.line, 1, label))
                stats.unresolved += 1
                continue
            stats.merged += 1
        else:
            rid, merged = index.free_id("model", label), False
            index.add("model", rid, [label])
            stats.created += 1
        claimed[rid] = row.line
        models.append((row, rid, merged))
    # Pass 2: the records.
    for row, rid, merged in models:
        out += _model_records(row, rid, merged, name, graph, index, findings, stats)
    return out, stats


def _read_rows(path: Path, name: str, findings: list[Finding]) -> list[_Row] | None:
    """Read the rows as a stream (the file is never held whole), within ``[limits]``."""
    check_file_size(path, name)
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        findings.append(Finding("ERROR", f"cannot read file: {exc.strerror}", name))
        return None
    reader = csv.reader(fh)
    rows_read = CountedRows(reader, name)
    rows: list[_Row] = []
    try:
        with fh:
            try:
                header = next(reader)
            except StopIteration:
                findings.append(Finding("ERROR", "file is empty; expected Epoch AI's notable_ai_models.csv",
                                        name, 1, 1))
                return None
            cols = {h.strip(): i for i, h in enumerate(header)}
            missing = [c for c in REQUIRED if c not in cols]
            if missing:
                findings.append(Finding("ERROR", f"no column {', '.join(repr(c) for c in missing)} in the header; "
                                        "expected Epoch AI's notable_ai_models.csv (columns Model, Organization, "
                                        "Publication date, ...)", name, 1, 1))
                return None
            for line, cells in rows_read:
                if len(cells) != len(header):
                    findings.append(Finding("WARNING", f"row has {len(cells)} fields, the header {len(header)}; "
                                            "read by position", name, line, 1))
                rows.append(_Row(line, {h: cells[i] if i < len(cells) else "" for h, i in cols.items()}, cols))
    except UnicodeDecodeError:
        findings.append(Finding("ERROR", "the file is not UTF-8; Epoch AI publishes UTF-8, so download it again",
                                name, rows_read.line))
        return None
    except csv.Error as exc:
        findings.append(Finding("ERROR", f"malformed CSV: {exc}", name, rows_read.line))
        return None
    return rows


def _model_records(row: _Row, rid: str, merged: bool, name: str, graph: str, index: NameIndex,
                   findings: list[Finding], stats: ImportStats) -> list[tuple[Record, str]]:
    label = row.get("Model")
    rec = Record(id=rid, kind=row.value(name, "Model", "Model"), loc=Loc(name, row.line, 1), file=Path(name),
                 merge=merged)
    if not merged:
        rec.label = {"en": row.value(name, "Model")}
    elif index.is_new_name("model", rid, label):
        rec.aliases = [row.value(name, "Model")]
    rec.sources = _sources(row, name)
    props: dict[str, list[Value]] = {}
    out: list[tuple[Record, str]] = []
    developers = []
    orgs = [o.strip() for o in row.get("Organization").split(",") if o.strip()]
    kinds = [k.strip() for k in row.get("Organization categorization").split(",")]
    countries = [c.strip() for c in row.get("Country (from Organization)").split(",")]
    for i, org in enumerate(orgs):
        org_id, new, fits = index.resolve_or_add("org", org, stats)
        if org_id is None:
            findings.append(Finding("WARNING", f"organization {org!r} fits several ({', '.join(sorted(fits))}); "
                                    "left out of developedBy", name, row.line, row.cols["Organization"] + 1, rid))
            continue
        developers.append(org_id)
        if not new:
            continue
        kind = KINDS.get(kinds[i] if len(kinds) == len(orgs) else (kinds[0] if len(set(kinds)) == 1 else ""),
                         "Organization")
        org_rec = Record(id=org_id, kind=row.value(name, "Organization", kind), loc=Loc(name, row.line, 1),
                         file=Path(name), label={"en": row.value(name, "Organization", org)},
                         sources=[SourceRef(row.value(name, "Model", DATASET_URL))])
        country = countries[i] if len(countries) == len(orgs) else (countries[0] if len(set(countries)) == 1 else "")
        if country:
            region = index.find("region", country)
            if len(region) == 1:
                org_rec.properties["headquarteredIn"] = [row.value(name, "Country (from Organization)", region.pop())]
                stats.references += 1
        out.append((org_rec, graph))
    if not developers:
        stats.drop(merged)
        return out
    props["developedBy"] = [row.value(name, "Organization", d) for d in developers]
    date = row.get("Publication date")
    if date:
        try:
            day = dt.date.fromisoformat(date)
            if YEARS[0] <= day.year <= YEARS[1]:
                props["releaseDate"] = [row.value(name, "Publication date")]
            else:
                findings.append(Finding("WARNING", f"Publication date {date} is outside {YEARS[0]}–{YEARS[1]}; left out",
                                        name, row.line, row.cols["Publication date"] + 1, rid))
        except ValueError:
            findings.append(Finding("WARNING", f"Publication date {date!r} is not YYYY-MM-DD; left out",
                                    name, row.line, row.cols["Publication date"] + 1, rid))
    number = _number(row.get("Parameters"))
    if number is not None and number >= 1:
        props["parameterCount"] = [row.value(name, "Parameters", str(round(number)), "int")]
    compute = _number(row.get("Training compute (FLOP)"))
    if compute is not None and compute > 0:
        props["trainingCompute"] = [row.value(name, "Training compute (FLOP)", repr(compute), "float")]
    access = row.get("Model accessibility")
    if access.startswith("Open weights"):
        props["openWeights"] = [row.value(name, "Model accessibility", "true", "bool")]
    elif access in ("Unreleased", "API access", "Hosted access (no API)"):
        props["openWeights"] = [row.value(name, "Model accessibility", "false", "bool")]
    modalities = sorted({MODALITIES[d.strip()] for d in row.get("Domain").split(",") if d.strip() in MODALITIES})
    modalities = [m for m in modalities if index.knows("modality", m)]
    if modalities:
        props["hasModality"] = [row.value(name, "Domain", m) for m in modalities]
    base = row.get("Base model")
    if base:
        found = index.find("model", base)
        if len(found) == 1 and (target := found.pop()) != rid:
            props["basedOn"] = [row.value(name, "Base model", target)]
            stats.references += 1
        else:
            why = "fits several models" if len(found) > 1 else "is not a known model"
            findings.append(Finding("WARNING", f"base model {base!r} {why}; basedOn left out", name, row.line,
                                    row.cols["Base model"] + 1, rid))
            stats.unresolved_references += 1
    rec.properties = props
    out.append((rec, graph))
    return out


def _sources(row: _Row, name: str) -> list[SourceRef]:
    refs = [SourceRef(row.value(name, "Link", url)) for url in dict.fromkeys(re.split(r"[\s,]+", row.get("Link")))
            if url.startswith(("http://", "https://"))]
    return refs + [SourceRef(row.value(name, "Model", DATASET_URL))]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
