"""Import Stanford CRFM's Ecosystem Graphs asset cards (https://github.com/stanford-crfm/ecosystem-graphs).

The input is the repository's ``assets/`` folder: YAML files, each a list of cards with a ``type``
(model, application or dataset) and a ``name``. What is taken:

- model: ``organization`` -> ``developedBy``; ``created_date`` -> ``releaseDate``; ``size``
  ("7B parameters (dense)") -> ``parameterCount``; ``access`` (open: true; limited, closed: false)
  -> ``openWeights``; ``license`` -> ``license``; ``modality`` (text, image, video, audio, code)
  -> ``hasModality``; ``dependencies`` -> ``basedOn`` (models) and ``trainedOn`` (datasets);
- application: ``organization`` -> ``providedBy``; ``dependencies`` that are models ->
  ``poweredBy``;
- dataset: a Dataset with its name.

``url`` and ``model_card`` are the card's sources, beside the card's file in the repository.
"unknown", "none" and empty values stay empty. ``organization`` may name several organizations,
separated by commas or "and"; they are split there, so a name that itself holds a comma
("University of Maryland, College Park") is split too. Cards of other types are counted and
reported, not imported; a dependency that names no known model or dataset is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kg import values
from kg.errors import Finding
from kg.ingest.curated import Loc, Record, SourceRef, Value, display_path, find_curated_files
from kg.ingest.limits import RecordCounter, check_file_size
from kg.ingest.resolve import ImportStats, NameIndex

REPOSITORY = "https://github.com/stanford-crfm/ecosystem-graphs/blob/main/assets/"
MODALITIES = {"text": "text", "image": "image", "images": "image", "video": "video", "audio": "audio",
              "speech": "audio", "code": "code"}
KINDS = {"model": ("Model", "model"), "application": ("Application", "app"), "dataset": ("Dataset", "dataset")}
EMPTY = {"", "unknown", "none", "n/a", "na", "null", "?"}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMBT])\b", re.I)
_SCALE = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass
class _Card:
    file: str  # as displayed
    stem: str  # file name, for the repository URL
    line: int
    fields: dict[str, tuple[object, int, int]]  # key -> (plain value, line, column)

    def text(self, key: str) -> str:
        """The field as text; a {value, explanation} mapping gives its value; empty for unknown."""
        value = self.fields.get(key, (None, 0, 0))[0]
        if isinstance(value, dict):
            value = value.get("value")
        if value is None or isinstance(value, (list, dict)):
            return ""
        text = str(value).strip()
        return "" if text.lower() in EMPTY else text

    def items(self, key: str) -> list[str]:
        value = self.fields.get(key, (None, 0, 0))[0]
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, list):
            return [str(v).strip() for v in value if v is not None and str(v).strip().lower() not in EMPTY]
        return []

    def value(self, key: str, text: str, tag: str = "str") -> Value:
        _, line, col = self.fields.get(key, (None, self.line, 1))
        return Value(text, tag, Loc(self.file, line or self.line, col or 1))


def read_ecosystem_graphs(path: Path, graph: str, index: NameIndex, findings: list[Finding],
                          display_root: Path | None = None) -> tuple[list[tuple[Record, str]], ImportStats]:
    """Read every asset card under ``path`` (a folder or one file) into records for ``graph``."""
    stats = ImportStats()
    cards: list[_Card] = []
    counter = RecordCounter(str(path))
    for file in find_curated_files([Path(path)]):
        cards += _read_file(file, display_path(file, display_root), findings, counter)
    # Pass 1: ids for every card (known or new), so that dependencies can point at any card.
    ids: list[tuple[_Card, str, bool]] = []
    claimed: dict[str, str] = {}  # id -> where the card that gave it is
    for card in cards:
        stats.rows += 1
        kind = card.text("type")
        name = card.text("name")
        if kind not in KINDS:
            findings.append(Finding("WARNING", f"card type {kind!r} is not imported (model, application, dataset)",
                                    card.file, card.line, 1, name or None))
            stats.unresolved += 1
            continue
        if not name:
            findings.append(Finding("WARNING", "card has no name; skipped", card.file, card.line, 1))
            stats.unresolved += 1
            continue
        group = KINDS[kind][1]
        found = index.find(group, name)
        if len(found) > 1:
            findings.append(Finding("WARNING", f"{kind} name fits several ({', '.join(sorted(found))}); skipped: "
                                    "give one of them this name as an alias", card.file, card.line, 1, name))
            stats.unresolved += 1
            continue
        if found:
            rid = found.pop()
            if rid in claimed:
                findings.append(Finding("WARNING", f"card is about the same {kind} as {claimed[rid]} ({rid}); "
                                        "skipped: one card per asset", card.file, card.line, 1, name))
                stats.unresolved += 1
                continue
            ids.append((card, rid, True))
            stats.merged += 1
        else:
            rid = index.free_id(group, name)
            index.add(group, rid, [name])
            ids.append((card, rid, False))
            stats.created += 1
        claimed[rid] = f"{card.file}:{card.line}"
    out: list[tuple[Record, str]] = []
    for card, rid, merged in ids:
        out += _records(card, rid, merged, graph, index, findings, stats)
    return out, stats


def _read_file(file: Path, name: str, findings: list[Finding], counter: RecordCounter) -> list[_Card]:
    check_file_size(file, name)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        findings.append(Finding("ERROR", f"cannot read file: {exc.strerror}", name))
        return []
    except UnicodeDecodeError:
        findings.append(Finding("ERROR", "the file is not UTF-8", name))
        return []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start:
            problem += f" ({context} that starts at line {start.line + 1}, column {start.column + 1})"
        findings.append(Finding("ERROR", f"malformed YAML: {problem}", name,
                                mark.line + 1 if mark else None, mark.column + 1 if mark else None))
        return []
    except RecursionError:  # the pure-Python loader (no libyaml) on very deep nesting
        findings.append(Finding("ERROR", "malformed YAML: nested too deeply for an asset card", name, 1, 1))
        return []
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        findings.append(Finding("ERROR", "expected a list of asset cards at the top level", name, 1, 1))
        return []
    cards = []
    for node in root.value:
        if not isinstance(node, yaml.MappingNode):
            findings.append(Finding("WARNING", "expected an asset card (a mapping); skipped", name,
                                    node.start_mark.line + 1, node.start_mark.column + 1))
            continue
        counter.add(where=f"{name}:{node.start_mark.line + 1}")
        fields = {}
        try:
            seen: set[int] = set()
            for key, value in node.value:
                fields[str(key.value)] = (_plain(value, 0, seen), value.start_mark.line + 1,
                                          value.start_mark.column + 1)
        except _SharedNode as shared:
            findings.append(Finding("WARNING", "asset card repeats a YAML alias (*name); skipped: aliases "
                                    "can expand a small file into billions of values", name,
                                    shared.node.start_mark.line + 1, shared.node.start_mark.column + 1))
            continue
        cards.append(_Card(name, file.name, node.start_mark.line + 1, fields))
    return cards


class _SharedNode(Exception):
    """A collection node met twice in one card: a YAML alias, which could expand exponentially."""

    def __init__(self, node: yaml.Node):
        super().__init__()
        self.node = node


def _plain(node: yaml.Node, depth: int = 0, seen: set[int] | None = None):
    """The node as plain data, scalars as their text (no YAML type guessing: dates stay text).

    An alias of a list or mapping raises :class:`_SharedNode` (``seen`` holds the collections
    met so far), so a "billion laughs" card costs no more than its own text.
    """
    if depth > 20:
        return None
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag.endswith(":null") else node.value
    if seen is not None:
        if id(node) in seen:
            raise _SharedNode(node)
        seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, depth + 1, seen) for v in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): _plain(v, depth + 1, seen) for k, v in node.value}
    return None


def _records(card: _Card, rid: str, merged: bool, graph: str, index: NameIndex, findings: list[Finding],
             stats: ImportStats) -> list[tuple[Record, str]]:
    kind, group = KINDS[card.text("type")]
    name = card.text("name")
    rec = Record(id=rid, kind=card.value("type", kind), loc=Loc(card.file, card.line, 1), file=Path(card.file),
                 merge=merged)
    if not merged:
        rec.label = {"en": card.value("name", name)}
    elif index.is_new_name(group, rid, name):
        rec.aliases = [card.value("name", name)]
    rec.sources = [SourceRef(card.value(key, card.text(key))) for key in ("url", "model_card")
                   if card.text(key).startswith(("http://", "https://")) and " " not in card.text(key)]
    rec.sources.append(SourceRef(card.value("name", REPOSITORY + card.stem)))
    out: list[tuple[Record, str]] = []
    if kind == "Dataset":
        out.append((rec, graph))
        return out
    orgs = _organizations(card, graph, index, findings, stats, out)
    if not orgs:
        findings.append(Finding("WARNING", f"{kind} card names no organization; skipped (a {kind} needs one)",
                                card.file, card.line, 1, name))
        stats.drop(merged)
        return out
    props: dict[str, list[Value]] = {}
    props["developedBy" if kind == "Model" else "providedBy"] = [card.value("organization", o) for o in orgs]
    if kind == "Model":
        _model_properties(card, rid, props, index, findings, stats)
    else:
        deps = _dependencies(card, rid, ("model",), index, findings, stats)
        powered = [card.value("dependencies", target) for group_, target in deps if group_ == "model"]
        if powered:
            props["poweredBy"] = powered
    rec.properties = props
    out.append((rec, graph))
    return out


def _organizations(card: _Card, graph: str, index: NameIndex, findings: list[Finding], stats: ImportStats,
                   out: list[tuple[Record, str]]) -> list[str]:
    text = card.text("organization")
    if not text:
        return []
    whole = index.find("org", text)
    parts = [text] if whole else [p.strip() for p in re.split(r",|;|\band\b", text) if p.strip()]
    ids = []
    for part in parts:
        org_id, new, fits = index.resolve_or_add("org", part, stats)
        if org_id is None:
            findings.append(Finding("WARNING", f"organization {part!r} fits several ({', '.join(sorted(fits))}); "
                                    "left out", card.file, card.line, 1, card.text("name")))
            continue
        ids.append(org_id)
        if not new:
            continue
        out.append((Record(id=org_id, kind=card.value("organization", "Organization"),
                           loc=Loc(card.file, card.line, 1), file=Path(card.file),
                           label={"en": card.value("organization", part)},
                           sources=[SourceRef(card.value("organization", REPOSITORY + card.stem))]), graph))
    return sorted(set(ids), key=ids.index)


def _model_properties(card: _Card, rid: str, props: dict[str, list[Value]], index: NameIndex,
                      findings: list[Finding], stats: ImportStats) -> None:
    date = card.text("created_date")
    if date:
        try:
            values.partial_date(date)
            if 1950 <= int(date[:4]) <= 2026:
                props["releaseDate"] = [card.value("created_date", date)]
        except ValueError:
            loc = card.value("created_date", date).loc
            findings.append(Finding("WARNING", f"created_date {date!r} is not a date; left out",
                                    loc.file, loc.line, loc.col, rid))
    size = _SIZE.match(card.text("size"))
    if size:
        count = round(float(size.group(1)) * _SCALE[size.group(2).upper()])
        if count >= 1:
            props["parameterCount"] = [card.value("size", str(count), "int")]
    access = card.text("access").lower()
    if access in ("open", "limited", "closed"):
        props["openWeights"] = [card.value("access", "true" if access == "open" else "false", "bool")]
    license_ = card.text("license")
    if license_:
        props["license"] = [card.value("license", license_)]
    modalities = sorted({MODALITIES[w] for w in re.findall(r"[a-z]+", card.text("modality").lower())
                         if w in MODALITIES and index.knows("modality", MODALITIES[w])})
    if modalities:
        props["hasModality"] = [card.value("modality", m) for m in modalities]
    deps = _dependencies(card, rid, ("model", "dataset"), index, findings, stats)
    based = [card.value("dependencies", t) for g, t in deps if g == "model"]
    trained = [card.value("dependencies", t) for g, t in deps if g == "dataset"]
    if based:
        props["basedOn"] = based
    if trained:
        props["trainedOn"] = trained


def _dependencies(card: _Card, rid: str, groups: tuple[str, ...], index: NameIndex, findings: list[Finding],
                  stats: ImportStats) -> list[tuple[str, str]]:
    out = []
    for dep in card.items("dependencies"):
        hits = [(g, i) for g in groups for i in index.find(g, dep)]
        hits = [(g, i) for g, i in hits if i != rid]
        if len(hits) == 1:
            out.append(hits[0])
            stats.references += 1
        else:
            why = "fits several assets" if hits else f"is not a known {' or '.join(groups)}"
            findings.append(Finding("WARNING", f"dependency {dep!r} {why}; left out", card.file,
                                    card.value("dependencies", dep).loc.line, 1, card.text("name")))
            stats.unresolved_references += 1
    return out
