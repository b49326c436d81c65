"""Entity resolution for imported datasets: find the entity a name denotes, or make a new one.

An imported name is looked up among the labels, aliases and ids of the entities already known
(the curated data and the sources read before it), folded as ``kg.validate.normalise_name`` folds
names for the duplicate check: case, full/half width, spaces and the separators ``-_·`` are
ignored; every other character counts. So "GPT 4" finds GPT-4, but "GLM-4V" does not find GLM-4
and "GLM-4 (0520)" does not find GLM-4: a version, size or variant letter keeps models apart.
A name that fits two entities of the same kind is ambiguous: it is reported and not merged.

Names are compared within a group of kinds that share an IRI segment (every organization kind is
``org``; a Model is never taken for an Application).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.validate import normalise_name


def slugify(name: str) -> str:
    """Turn a name into an id slug (lowercase ASCII letters, digits, '-', '.').

    >>> slugify("Qwen2.5-72B"), slugify("GLM-4 (0520)"), slugify("Llama 3.3")
    ('qwen2.5-72b', 'glm-4-0520', 'llama-3.3')
    >>> slugify("智谱") == ""
    True
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9.]+", "-", text)
    return re.sub(r"-{2,}", "-", text).strip("-.")


@dataclass
class NameIndex:
    """Known entities by group (IRI segment) and normalised name."""

    _ids: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    _names: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    _all: set[str] = field(default_factory=set)  # ids are unique across every kind

    def add(self, group: str, rid: str, names: Iterable[str]) -> None:
        """Record that ``rid`` (of ``group``) goes by ``names`` (its id counts as a name too)."""
        self._all.add(rid)
        for name in [rid, *names]:
            key = normalise_name(name)
            if key:
                self._ids[group][key].add(rid)
                self._names[(group, rid)].add(key)

    def find(self, group: str, name: str) -> set[str]:
        """Return the ids whose name folds like ``name`` (empty: unknown; several: ambiguous)."""
        return set(self._ids[group].get(normalise_name(name), ()))

    def knows(self, group: str, rid: str) -> bool:
        """Whether ``rid`` is an entity of ``group``."""
        return (group, rid) in self._names

    def is_new_name(self, group: str, rid: str, name: str) -> bool:
        """Whether ``name`` is none of the names ``rid`` already goes by (then it becomes an alias)."""
        return normalise_name(name) not in self._names[(group, rid)]

    def resolve_or_add(self, group: str, name: str, stats: ImportStats) -> tuple[str | None, bool, set[str]]:
        """Resolve a name a row refers to (a developer, a provider): ``(id, new, candidates)``.

        A known name gives its id; an unknown one gets a new id here (the caller writes its record);
        a name that fits several entities gives ``None`` and the ids it fits. ``stats`` counts each.
        """
        found = self.find(group, name)
        if len(found) > 1:
            stats.unresolved_references += 1
            return None, False, found
        if found:
            stats.references += 1
            return found.pop(), False, set()
        rid = self.free_id(group, name)
        self.add(group, rid, [name])
        stats.new_related += 1
        return rid, True, set()

    def free_id(self, group: str, name: str) -> str:
        """Return an unused id for a new entity called ``name``."""
        base = slugify(name) or "x"
        rid, n = base, 2
        while rid in self._all:
            rid, n = f"{base}-{n}", n + 1
        return rid


@dataclass
class ImportStats:
    """What an importer did with its input."""

    rows: int = 0  # records read (CSV rows, asset cards)
    merged: int = 0  # rows that matched an entity already in the graph
    created: int = 0  # rows that became new entities
    unresolved: int = 0  # rows that could not be imported (reported with their location)
    references: int = 0  # names resolved to entities (developers, base models, countries, ...)
    unresolved_references: int = 0  # names that matched no entity or several (reported)
    new_related: int = 0  # entities created for names only referenced (e.g. a developer)

    def drop(self, merged: bool) -> None:
        """A row counted as merged or created turned out unusable: count it as unresolved instead."""
        self.unresolved += 1
        if merged:
            self.merged -= 1
        else:
            self.created -= 1
