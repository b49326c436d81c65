"""Read ``kg.toml``: where the store lives, which sources make the graph, which ontology to use.

A minimal file::

    [store]
    path = ".kg/store"

    [[sources]]
    kind = "curated"
    path = "data/curated"

Relative paths are relative to the folder holding kg.toml. An optional ``[neo4j]`` table sets the
local server's ``state`` folder (default: ``neo4j`` beside the store), ``port``, ``heap`` and ``pagecache``;
an optional ``[limits]`` table bounds what readers take in (``max_file_mb``, ``max_records``).

``[store] kind = "sparql"`` puts the graph in a remote SPARQL 1.1 store instead of the embedded one::

    [store]
    kind = "sparql"
    query_endpoint = "http://127.0.0.1:3030/aigc/query"
    update_endpoint = "http://127.0.0.1:3030/aigc/update"
    gsp_endpoint = "http://127.0.0.1:3030/aigc/data"     # optional: write with the Graph Store Protocol

Credentials come from the environment only (``KG_SPARQL_USER``, ``KG_SPARQL_PASSWORD``), never kg.toml.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import ConfigError
from kg.ingest.limits import Limits

SOURCE_KINDS = ("curated", "epoch", "ecosystem-graphs", "report", "csv")
STORE_KINDS = ("oxigraph", "sparql")
CONFIG_NAME = "kg.toml"


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: its kind, its path, and whether a missing path is an error."""

    kind: str
    path: Path
    optional: bool = False


@dataclass(frozen=True)
class SparqlEndpoint:
    """A remote SPARQL 1.1 store: where to query and write, and how (``[store] kind = "sparql"``)."""

    query: str
    update: str
    gsp: str | None = None  # Graph Store Protocol endpoint; None: write with SPARQL Update
    union: str = "protocol"  # "protocol": name every graph as default-graph-uri; "server": its default graph is the union
    batch: int = 50_000  # quads per update request; a build no larger than this is one atomic request
    timeout: float = 60.0  # seconds per HTTP request


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
    limits: Limits = field(default_factory=Limits)  # [limits]: bounds on file size and records per source
    store_kind: str = "oxigraph"  # [store] kind: the embedded Oxigraph store, or "sparql" (a remote store)
    sparql: SparqlEndpoint | None = None  # the remote store's endpoints when store_kind == "sparql"
    neo4j_database: str | None = None  # [neo4j] database; NEO4J_DATABASE wins


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
    limits = _limits(data.get("limits", {}), file)
    kind = store_section.get("kind", "oxigraph")
    if kind not in STORE_KINDS:
        raise ConfigError(f"{file}: [store] kind = {kind!r}; expected one of {', '.join(STORE_KINDS)}")
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
        limits=limits,
        store_kind=kind,
        sparql=_sparql_endpoint(store_section, file) if kind == "sparql" else None,
        neo4j_database=str(neo["database"]) if "database" in neo else None,
    )


def _sparql_endpoint(table: dict, file: Path) -> SparqlEndpoint:
    """Read the endpoints of ``[store] kind = "sparql"``; credentials are refused here (environment only)."""
    for secret in ("user", "password", "username", "passwd", "token"):
        if secret in table:
            raise ConfigError(f"{file}: [store] {secret} must not be in kg.toml; set KG_SPARQL_USER and "
                              "KG_SPARQL_PASSWORD in the environment instead")
    missing = [k for k in ("query_endpoint", "update_endpoint") if not table.get(k)]
    if missing:
        raise ConfigError(f'{file}: [store] kind = "sparql" needs {" and ".join(missing)} '
                          '(e.g. "http://127.0.0.1:3030/aigc/query" and ".../update")')
    for key in ("query_endpoint", "update_endpoint", "gsp_endpoint"):
        if table.get(key) and not str(table[key]).startswith(("http://", "https://")):
            raise ConfigError(f"{file}: [store] {key} = {table[key]!r}; expected an http(s) URL")
    union = table.get("union", "protocol")
    if union not in ("protocol", "server"):
        raise ConfigError(f'{file}: [store] union = {union!r}; expected "protocol" or "server"')
    batch, timeout = table.get("batch", 50_000), table.get("timeout", 60)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConfigError(f"{file}: [store] batch = {batch!r}; expected a positive whole number of quads")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"{file}: [store] timeout = {timeout!r}; expected a positive number of seconds")
    return SparqlEndpoint(str(table["query_endpoint"]), str(table["update_endpoint"]),
                          str(table["gsp_endpoint"]) if table.get("gsp_endpoint") else None,
                          union, batch, float(timeout))


def _limits(table: dict, file: Path) -> Limits:
    """Read ``[limits]``: positive numbers only; unknown keys are a mistake worth reporting."""
    defaults = Limits()
    unknown = sorted(set(table) - {"max_file_mb", "max_records"})
    if unknown:
        raise ConfigError(f"{file}: [limits] has unknown key(s) {', '.join(unknown)}; "
                          "expected max_file_mb, max_records")
    out = {}
    for key, kind in (("max_file_mb", float), ("max_records", int)):
        value = table.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 \
                or (kind is int and not float(value).is_integer()):
            raise ConfigError(f"{file}: [limits] {key} = {value!r}; expected a positive "
                              f"{'whole number' if kind is int else 'number'}")
        out[key] = kind(value)
    return Limits(**out)
