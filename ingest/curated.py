"""Read the project's curated YAML files (docs/curated-format.md) into records.

Each record keeps the position (file, line, column) of every value, so that every later stage can
say exactly where a problem is. This module knows the YAML layout only: whether a kind, a property
or a referenced id exists is decided by ``kg.build`` against the ontology.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.errors import Finding
from kg.ingest.limits import RecordCounter, check_file_size

try:  # the C loader is several times faster; fall back where libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

STRUCTURAL_KEYS = ("id", "kind", "label", "aliases", "description", "distinctFrom", "sources")
LANGUAGES = ("zh", "en")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:timestamp": "timestamp",
    "tag:yaml.org,2002:null": "null",
}


@dataclass(frozen=True)
class Loc:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Value:
    """One scalar as written: its text, the YAML type it resolved to, and where it is."""

    text: str
    tag: str  # str, int, float, bool, timestamp or null
    loc: Loc


@dataclass(frozen=True)
class SourceRef:
    """A record's source: a URL or the id of a Document record, and when it was consulted."""

    ref: Value
    accessed: Value | None = None

    @property
    def is_url(self) -> bool:
        return self.ref.text.startswith(("http://", "https://"))


@dataclass
class Record:
    """One curated record, values kept as written (conversion happens in ``kg.build``)."""

    id: str
    kind: Value
    loc: Loc
    file: Path
    label: dict[str, Value] = field(default_factory=dict)
    aliases: list[Value] = field(default_factory=list)
    description: dict[str, Value] = field(default_factory=dict)
    distinct_from: list[Value] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    properties: dict[str, list[Value]] = field(default_factory=dict)
    key_locs: dict[str, Loc] = field(default_factory=dict)
    # An imported record about an entity that is already known (kg.ingest.resolve): its facts are
    # added to that entity, in the importer's own graph; it defines no new id.
    merge: bool = False


def find_curated_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into their ``*.yaml``/``*.yml`` files, sorted for stable builds."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def read_curated_file(path: Path, findings: list[Finding], display: str | None = None) -> list[Record]:
    """Return the records of one curated file; problems are appended to ``findings``.

    A record with a structural problem (no id, no kind, no label, no source) is reported and left
    out; the caller refuses to build while any ERROR finding exists.
    """
    name = display or str(path)
    text = _read_text(path, name, findings)
    if text is None:
        return []
    if not text.strip():
        findings.append(Finding("ERROR", "file is empty; expected a YAML list of records "
                                "(see docs/curated-format.md), or delete the file", name, 1, 1))
        return []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.context_mark and exc.problem_mark:
            problem += (f" ({exc.context} that starts at line {exc.context_mark.line + 1}, "
                        f"column {exc.context_mark.column + 1})")
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        findings.append(Finding("ERROR", f"malformed YAML: {problem}; fix the syntax at this position",
                                name, line, col))
        return []
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        findings.append(Finding("ERROR", f"malformed YAML: {exc}", name))
        return []
    except RecursionError:  # the pure-Python loader (no libyaml) on very deep nesting
        findings.append(Finding("ERROR", "malformed YAML: nested too deeply; curated records are flat "
                                "mappings of values and lists", name, 1, 1))
        return []
    if root is None:
        findings.append(Finding("ERROR", "file holds no records; expected a YAML list of records",
                                name, 1, 1))
        return []
    reader = _Reader(name, path, findings)
    if not isinstance(root, yaml.SequenceNode):
        reader.error(root, f"expected a list of records at the top level, got {_describe(root)}; "
                     "start each record with '- id: ...'")
        return []
    counter = RecordCounter(name)
    records = []
    for node in root.value:
        counter.add(where=str(reader.loc(node)))
        record = reader.record(node)
        if record is not None:
            records.append(record)
    return records


def read_curated(paths: Iterable[Path], findings: list[Finding], root: Path | None = None) -> Iterator[Record]:
    """Yield the records of every curated file under ``paths``."""
    for path in find_curated_files(paths):
        yield from read_curated_file(path, findings, display=display_path(path, root))


def display_path(path: Path, root: Path | None) -> str:
    """Show ``path`` relative to ``root`` where it lies below it (in findings), else as given."""
    if root is not None:
        try:
            return str(Path(path).resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def _read_text(path: Path, name: str, findings: list[Finding]) -> str | None:
    check_file_size(path, name)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        findings.append(Finding("ERROR", f"cannot read file: {exc.strerror}", name))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = "the file is not UTF-8"
        try:
            data.decode("gb18030")
            hint = "the file is not UTF-8 (it reads as GBK/GB18030)"
        except UnicodeDecodeError:
            pass
        findings.append(Finding("ERROR", f"{hint}; re-save it as UTF-8, e.g. "
                                f"iconv -f GB18030 -t UTF-8 {name} > {name}.utf8", name, line, col))
        return None


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the value {node.value!r}"


class _Reader:
    """Turns composed YAML nodes into records, reporting every structural problem once."""

    def __init__(self, name: str, path: Path, findings: list[Finding]):
        self.name = name
        self.path = path
        self.findings = findings
        self.seen: set[int] = set()

    def loc(self, node: yaml.Node) -> Loc:
        return Loc(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: yaml.Node, message: str, subject: str | None = None) -> None:
        loc = self.loc(node)
        self.findings.append(Finding("ERROR", message, loc.file, loc.line, loc.col, subject))

    def _check_shared(self, node: yaml.Node) -> bool:
        # YAML aliases make one node appear in many places; expanding them is how "billion
        # laughs" documents blow up, and curated data never needs them.
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self.seen:
                self.error(node, "YAML aliases (*name) are not allowed in curated data; "
                           "write the value out")
                return False
            self.seen.add(id(node))
        return True

    def scalar(self, node: yaml.Node, key: str, subject: str | None) -> Value | None:
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"'{key}' expects a single value, got {_describe(node)}", subject)
            return None
        return Value(node.value, _TAGS.get(node.tag, "str"), self.loc(node))

    def scalars(self, node: yaml.Node, key: str, subject: str | None) -> list[Value]:
        if isinstance(node, yaml.SequenceNode):
            if not self._check_shared(node):
                return []
            values = [self.scalar(item, key, subject) for item in node.value]
            return [v for v in values if v is not None and v.tag != "null"]
        value = self.scalar(node, key, subject)
        return [] if value is None or value.tag == "null" else [value]

    def languages(self, node: yaml.Node, key: str, subject: str | None) -> dict[str, Value]:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"'{key}' expects a mapping like {{zh: 文心一言, en: ERNIE Bot}}, "
                       f"got {_describe(node)}", subject)
            return {}
        out: dict[str, Value] = {}
        for knode, vnode in node.value:
            lang = knode.value
            if lang not in LANGUAGES:
                if isinstance(vnode, yaml.ScalarNode) and vnode.tag.endswith(":null") and node.flow_style:
                    self.error(knode, f"'{key}' has a stray part {lang!r}: a comma inside an unquoted "
                               "{zh: ..., en: ...} value splits it; put the name in quotes", subject)
                else:
                    self.error(knode, f"'{key}' has language '{lang}'; use zh or en", subject)
                continue
            value = self.scalar(vnode, f"{key}.{lang}", subject)
            if value is not None and value.text.strip():
                out[lang] = value
        return out

    def sources(self, node: yaml.Node, subject: str) -> list[SourceRef]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        refs: list[SourceRef] = []
        for item in items:
            if isinstance(item, yaml.MappingNode):
                fields = {k.value: v for k, v in item.value}
                unknown = sorted(set(fields) - {"url", "doc", "accessed"})
                if unknown or not ({"url", "doc"} & set(fields)):
                    self.error(item, "a source mapping takes 'url' (or 'doc') and optionally "
                               f"'accessed', got keys {sorted(fields)}", subject)
                    continue
                ref = self.scalar(fields.get("url") or fields["doc"], "sources", subject)
                accessed = self.scalar(fields["accessed"], "accessed", subject) if "accessed" in fields else None
                if ref is not None:
                    refs.append(SourceRef(ref, accessed))
            else:
                ref = self.scalar(item, "sources", subject)
                if ref is not None and ref.tag != "null":
                    refs.append(SourceRef(ref))
        return refs

    def record(self, node: yaml.Node) -> Record | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"expected a record (a mapping with id, kind, label, sources), "
                       f"got {_describe(node)}")
            return None
        if not self._check_shared(node):
            return None
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            key = str(knode.value)
            if key in fields:
                self.error(knode, f"key '{key}' appears twice in this record; keep one")
                continue
            fields[key] = (knode, vnode)
        if "id" not in fields:
            self.error(node, "record has no 'id'; add a slug like 'id: ernie-bot'")
            return None
        id_value = self.scalar(fields["id"][1], "id", None)
        if id_value is None:
            return None
        rid = id_value.text
        if not SLUG_RE.match(rid):
            self.error(fields["id"][1], f"id {rid!r} is not a slug; use lowercase ASCII letters, "
                       "digits, '-', '.' or '_' (e.g. 'ernie-4.0')")
            return None
        ok = True
        if "kind" not in fields:
            self.error(node, "record has no 'kind'; add e.g. 'kind: Company'", rid)
            ok = False
        if "label" not in fields:
            self.error(node, "record has no 'label'; add e.g. 'label: {zh: 文心一言, en: ERNIE Bot}'", rid)
            ok = False
        if "sources" not in fields:
            self.error(node, "record has no 'sources'; add at least one URL or document id "
                       "that confirms it", rid)
            ok = False
        if not ok:
            return None
        kind = self.scalar(fields["kind"][1], "kind", rid)
        if kind is None:
            return None
        rec = Record(id=rid, kind=kind, loc=self.loc(node), file=self.path)
        rec.key_locs = {k: self.loc(kn) for k, (kn, _) in fields.items()}
        rec.label = self.languages(fields["label"][1], "label", rid)
        if not rec.label:
            self.error(fields["label"][1], "'label' needs a zh or en name", rid)
            return None
        if "aliases" in fields:
            rec.aliases = self.scalars(fields["aliases"][1], "aliases", rid)
        if "description" in fields:
            rec.description = self.languages(fields["description"][1], "description", rid)
        if "distinctFrom" in fields:
            rec.distinct_from = self.scalars(fields["distinctFrom"][1], "distinctFrom", rid)
        rec.sources = self.sources(fields["sources"][1], rid)
        if not rec.sources:
            self.error(fields["sources"][1], "'sources' is empty; add at least one URL or "
                       "document id that confirms this record", rid)
            return None
        for key, (_, vnode) in fields.items():
            if key not in STRUCTURAL_KEYS:
                rec.properties[key] = self.scalars(vnode, key, rid)
        return rec
