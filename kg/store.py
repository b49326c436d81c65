"""The embedded on-disk store (Oxigraph), written atomically.

A store folder holds generations of an Oxigraph database and a pointer to the current one::

    .kg/store/
        CURRENT                    name of the live generation, replaced atomically (os.replace)
        LOCK                       held (flock) by the one process writing a new generation
        SYNC.LOCK                  held (flock) by the one `kg sync` reading this store into Neo4j
        gen-20261130T040000-1234/  an Oxigraph database

A writer fills a new generation and only then moves ``CURRENT`` to it, so a reader sees the old
graph or the new one, never a mix, and a failed or killed build leaves the old store as it was.
The previous generation is kept for readers still holding it open; older ones are removed.

With ``[store] kind = "sparql"`` in kg.toml the graph lives in a remote SPARQL 1.1 store instead:
``open_store(config)`` and ``open_generation(config)`` return its counterparts from
:mod:`kg.remote_store`, which offer the same read API and a commit that replaces the remote graphs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kg.errors import StoreError

CURRENT = "CURRENT"
LOCK = "LOCK"
SYNC_LOCK = "SYNC.LOCK"  # held by `kg sync`: one sync of a store at a time (syncs may run beside a build)
_GEN_PREFIX = "gen-"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def current_generation(path: Path) -> Path | None:
    """Return the folder of the live generation, or None when nothing was built yet."""
    pointer = Path(path) / CURRENT
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    gen = Path(path) / name
    return gen if gen.is_dir() else None


def _remote(where):
    """The remote endpoint of a Config whose store is a SPARQL server, else None."""
    return getattr(where, "sparql", None) if getattr(where, "store_kind", "oxigraph") == "sparql" else None


def _path(where) -> Path:
    return Path(where.store_path) if hasattr(where, "store_path") else Path(where)


def store_exists(where) -> bool:
    """Tell whether a built store is at ``where`` (a store folder, or a Config)."""
    endpoint = _remote(where)
    if endpoint is not None:
        from kg.remote_store import RemoteStore

        return bool(RemoteStore(endpoint).named_graphs())
    return current_generation(_path(where)) is not None


def open_store(where):
    """Open the live graph read-only: the store folder ``where``, or the store a Config names.

    Returns a ``pyoxigraph.Store``, or a :class:`kg.remote_store.RemoteStore` when the Config's
    store is a SPARQL server. Raises :class:`StoreError` if no graph was built at a folder.
    """
    endpoint = _remote(where)
    if endpoint is not None:
        from kg.remote_store import RemoteStore

        return RemoteStore(endpoint)
    path = _path(where)
    gen = current_generation(path)
    if gen is None:
        raise StoreError(f"no graph has been built at {path}; run `kg build` first")
    try:
        return ox.Store.read_only(str(gen))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {gen}: {exc}") from exc


@contextlib.contextmanager
def write_lock(path: Path, name: str = LOCK, doing: str = "written") -> Iterator[None]:
    """Hold the store's writer lock (or another lock file ``name``); fail at once if another process holds it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / name, "a+", encoding="ascii") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise StoreError(f"the store at {path} is being {doing} by {holder}; wait for it to "
                             "finish and run the command again") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


class Generation:
    """A new generation being written; :meth:`commit` makes it the live one."""

    def __init__(self, root: Path):
        self.root = Path(root)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        self.path = self.root / f"{_GEN_PREFIX}{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        self.store: ox.Store | None = ox.Store(str(self.path))

    def commit(self) -> None:
        """Flush, close and atomically make this generation the live one."""
        assert self.store is not None
        self.store.flush()
        self.store.optimize()
        self.store = None  # pyoxigraph closes the database when the object is dropped
        previous = current_generation(self.root)
        tmp = self.root / f"{CURRENT}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(self.path.name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / CURRENT)
        _fsync_dir(self.root)
        # Readers may still hold the previous generation open: keep it until the next commit.
        _remove_old_generations(self.root, keep={self.path.name} | ({previous.name} if previous else set()))

    def discard(self) -> None:
        """Remove this generation; the live store is untouched."""
        self.store = None
        shutil.rmtree(self.path, ignore_errors=True)


@contextlib.contextmanager
def new_generation(path: Path, *, locked: bool = False) -> Iterator[Generation]:
    """Write a new generation under the writer lock (``locked``: the caller holds it already);
    discard it unless the block commits it."""
    with contextlib.nullcontext() if locked else write_lock(path):
        gen = Generation(path)
        committed = False
        try:
            yield gen
            committed = gen.store is None
        finally:
            if not committed:
                gen.discard()


@contextlib.contextmanager
def open_generation(config, progress=None, *, locked: bool = False) -> Iterator:
    """Write a new version of the Config's store: an on-disk generation, or a remote dataset.

    Either way the caller fills ``gen.store`` (a pyoxigraph Store) and calls ``gen.commit()``; a
    block left without commit changes nothing. ``locked``: the caller holds the writer lock.
    """
    endpoint = _remote(config)
    if endpoint is None:
        with new_generation(config.store_path, locked=locked) as gen:
            yield gen
        return
    from kg.remote_store import RemoteGeneration

    # one writer per machine; the server orders the rest
    with contextlib.nullcontext() if locked else write_lock(config.store_path):
        gen = RemoteGeneration(endpoint, progress)
        try:
            yield gen
        finally:
            gen.discard()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old_generations(root: Path, keep: set[str]) -> None:
    for gen in root.glob(_GEN_PREFIX + "*"):
        if gen.name not in keep and gen.is_dir():
            shutil.rmtree(gen, ignore_errors=True)


def to_rdflib(term):
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:  # rdflib keeps plain and xsd:string literals apart
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"cannot convert {term!r}")


def to_rdflib_graph(quads, graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Add the triples of ``quads`` (graph names dropped) to an rdflib Graph."""
    graph = graph if graph is not None else rdflib.Graph()
    add = graph.add
    for q in quads:
        add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph
