"""Read ``kg.toml``: where the store lives, which sources make the graph, which ontology to use.

A minimal file::

    [store]
    path = ".kg/store"

    [[sources]]
    kind = "curated"
    path = "data/curated"

Relative paths are relative to the folder holding kg.toml. An optional ``[neo4j]`` table sets the
local server's ``state`` folder (default: ``neo4j`` beside the store), ``port``, ``heap`` and ``pagecache``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import ConfigError

SOURCE_KINDS = ("curated", "epoch", "ecosystem-graphs", "report")
CONFIG_NAME = "kg.toml"


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: its kind, its path, and whether a missing path is an error."""

    kind: str
    path: Path
    optional: bool = False


@dataclass
class Config:
    """The settings of one project folder."""

    root: Path
    store_path: Path
    sources: list[SourceConfig] = field(default_factory=list)
    ontology_path: Path | None = None
    shapes_path: Path | None = None
    file: Path | None = None
    neo4j_state: Path | None = None  # folder of the local Neo4j server (kg neo4j start)
    neo4j_port: int = 7687
    neo4j_heap: str = "512m"
    neo4j_pagecache: str = "256m"


def load_config(path: str | os.PathLike | None = None, store: str | os.PathLike | None = None) -> Config:
    """Read the configuration from ``path``, ``$KG_CONFIG`` or ``./kg.toml``.

    ``store`` (the CLI's ``--store``) overrides ``[store] path``.
    """
    explicit = path or os.environ.get("KG_CONFIG")
    file = Path(explicit) if explicit else Path.cwd() / CONFIG_NAME
    if not file.is_file():
        where = f"{file}" if explicit else f"{CONFIG_NAME} in {Path.cwd()}"
        raise ConfigError(f"{where} not found; run kg from the project folder or pass "
                          "--config PATH (see docs/configuration.md)")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: {exc}; fix the TOML syntax") from exc
    root = file.resolve().parent

    def resolve(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else root / p

    store_section = data.get("store", {})
    store_path = Path(store).resolve() if store else resolve(store_section.get("path", ".kg/store"))
    sources = []
    for i, src in enumerate(data.get("sources", []), start=1):
        kind, spath = src.get("kind"), src.get("path")
        if kind not in SOURCE_KINDS:
            raise ConfigError(f"{file}: [[sources]] #{i} has kind {kind!r}; "
                              f"expected one of {', '.join(SOURCE_KINDS)}")
        if not spath:
            raise ConfigError(f"{file}: [[sources]] #{i} has no path")
        sources.append(SourceConfig(kind, resolve(spath), bool(src.get("optional", False))))
    onto = data.get("ontology", {})
    neo = data.get("neo4j", {})
    return Config(
        root=root,
        store_path=store_path,
        sources=sources,
        ontology_path=resolve(onto["path"]) if "path" in onto else None,
        shapes_path=resolve(onto["shapes"]) if "shapes" in onto else None,
        file=file,
        neo4j_state=resolve(neo["state"]) if "state" in neo else store_path.parent / "neo4j",
        neo4j_port=int(neo.get("port", 7687)),
        neo4j_heap=str(neo.get("heap", "512m")),
        neo4j_pagecache=str(neo.get("pagecache", "256m")),
    )
