"""A remote SPARQL 1.1 store (``[store] kind = "sparql"``): read and written over HTTP.

:class:`RemoteStore` offers the part of ``pyoxigraph.Store`` the library reads with — ``query``,
``quads_for_pattern``, ``named_graphs``, ``len`` and iteration — so the code that takes a store
(stats, ``kg query sparql``, sync, export, the explorer) runs unchanged against Fuseki, GraphDB or
any SPARQL 1.1 Protocol endpoint. Results are parsed into pyoxigraph terms.

The project's queries see the union of all named graphs as their default graph. With
``union = "protocol"`` (the default) every query names each graph of the dataset both as a
``default-graph-uri`` and a ``named-graph-uri`` (SPARQL 1.1 Protocol, any compliant server); with
``union = "server"`` the query is sent as it is, for a server whose default graph already is the
union (GraphDB, Virtuoso, Fuseki/TDB2 with ``unionDefaultGraph``).

Writing: a build maps and validates into a local in-memory Oxigraph (:class:`RemoteGeneration`)
and only then replaces the remote dataset's graphs (:func:`replace_dataset`):

- through SPARQL Update: ``DROP SILENT GRAPH`` and ``INSERT DATA`` per graph. A dataset of at
  most ``batch`` quads goes in one request, which the server applies as one transaction (readers
  see the old graph or the new one); a larger one goes graph by graph in requests of ``batch``
  quads, the build metadata last, so a failure part way leaves a mix that the next build replaces.
- or through the Graph Store Protocol (``gsp_endpoint``): one ``PUT`` of N-Triples per graph.

Credentials: ``KG_SPARQL_USER`` and ``KG_SPARQL_PASSWORD`` (HTTP basic auth), from the environment
only. An unreachable or failing server raises :class:`~kg.errors.ServiceError` (exit 3); a query
the server rejects raises :class:`~kg.errors.QueryError`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
import requests

from kg.config import SparqlEndpoint
from kg.errors import QueryError, ServiceError
from kg.namespaces import META_GRAPH

USER_ENV, PASSWORD_ENV = "KG_SPARQL_USER", "KG_SPARQL_PASSWORD"
_RESULTS = "application/sparql-results+json"
_GRAPH_TYPES = "application/n-triples"
_ACCEPT = f"{_RESULTS}, application/sparql-results+xml;q=0.9, {_GRAPH_TYPES};q=0.8, text/turtle;q=0.7"
_GRAPHS_TTL = 5.0  # seconds the list of graphs (for the protocol's union) is reused


class RemoteStore:
    """A SPARQL 1.1 endpoint seen through the read API of ``pyoxigraph.Store``."""

    def __init__(self, endpoint: SparqlEndpoint):
        self.endpoint = endpoint
        self.http = requests.Session()
        user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
        if user or password:
            self.http.auth = (user or "", password or "")
        self._graphs: tuple[float, list[ox.NamedNode]] | None = None

    def __repr__(self) -> str:
        return f"<RemoteStore {self.endpoint.query}>"

    # --- HTTP ------------------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.http.request(method, url, timeout=self.endpoint.timeout, **kwargs)
        except requests.Timeout as exc:
            raise ServiceError(f"the SPARQL store at {url} did not answer within {self.endpoint.timeout:g} s; "
                               "raise [store] timeout in kg.toml or check the server") from exc
        except requests.RequestException as exc:
            raise ServiceError(f"the SPARQL store at {url} is unreachable ({_short(exc)}); start it "
                               "(`kg fuseki start` for a local Fuseki) or fix [store] in kg.toml") from exc
        if response.status_code in (401, 403):
            raise ServiceError(f"the SPARQL store at {url} refused the request (HTTP {response.status_code}); "
                               f"set {USER_ENV} and {PASSWORD_ENV} to an account allowed to "
                               f"{'write' if method != 'GET' and url != self.endpoint.query else 'read'}")
        if response.status_code >= 500 or response.status_code == 404:
            raise ServiceError(f"the SPARQL store at {url} failed: HTTP {response.status_code} "
                               f"{_body(response)}; check the endpoint URLs in kg.toml and the server's log")
        return response

    def update(self, text: str) -> None:
        """Send one SPARQL Update request (one transaction on the server)."""
        response = self._request("POST", self.endpoint.update, data=text.encode("utf-8"),
                                 headers={"Content-Type": "application/sparql-update; charset=utf-8"})
        if response.status_code >= 300:
            raise ServiceError(f"the SPARQL store at {self.endpoint.update} refused an update: HTTP "
                               f"{response.status_code} {_body(response)}")
        self._graphs = None

    # --- the read API of pyoxigraph.Store --------------------------------------------------------

    def query(self, query: str, *, use_default_graph_as_union: bool = False, substitutions: dict | None = None,
              default_graph=None, named_graphs=None, base_iri: str | None = None, prefixes: dict | None = None):
        """Run a query on the endpoint: QuerySolutions, QueryBoolean, or an iterator of triples."""
        if prefixes:
            query = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()) + query
        if base_iri:
            query = f"BASE <{base_iri}>\n" + query
        if substitutions:
            names = list(substitutions)
            query += ("\nVALUES (" + " ".join(f"?{v.value}" for v in names) + ") { ("
                      + " ".join(str(substitutions[v]) for v in names) + ") }")
        params: list[tuple[str, str]] = [("query", query)]
        if default_graph is not None:
            for g in default_graph if isinstance(default_graph, list) else [default_graph]:
                if isinstance(g, ox.NamedNode):
                    params.append(("default-graph-uri", g.value))
        elif use_default_graph_as_union and self.endpoint.union == "protocol":
            graphs = self._graph_list()
            params += [("default-graph-uri", g.value) for g in graphs]
            if named_graphs is None:
                params += [("named-graph-uri", g.value) for g in graphs]
        if named_graphs is not None:
            params += [("named-graph-uri", g.value) for g in named_graphs]
        return self._select(params)

    def _select(self, params: list[tuple[str, str]]):
        response = self._request("POST", self.endpoint.query, data=params, headers={"Accept": _ACCEPT})
        if response.status_code >= 300:
            raise QueryError(f"the SPARQL store rejected the query: HTTP {response.status_code} {_body(response)}")
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if kind in (_RESULTS, "application/json"):
                return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
            if kind == "application/sparql-results+xml":
                return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.XML)
            fmt = ox.RdfFormat.from_media_type(kind)
            if fmt is None:
                raise QueryError(f"the SPARQL store answered with {kind or 'no content type'}, which kg cannot read")
            return iter([q.triple for q in ox.parse(response.content, format=fmt)])
        except (SyntaxError, ValueError) as exc:
            raise ServiceError(f"the SPARQL store at {self.endpoint.query} sent a malformed answer: {exc}") from exc

    def _graph_list(self) -> list[ox.NamedNode]:
        now = time.monotonic()
        if self._graphs is None or now - self._graphs[0] > _GRAPHS_TTL:
            self._graphs = (now, self.named_graphs())
        return self._graphs[1]

    def named_graphs(self) -> list[ox.NamedNode]:
        """Return the named graphs of the remote dataset."""
        rows = self._select([("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")])
        return sorted((r[0] for r in rows if isinstance(r[0], ox.NamedNode)), key=lambda g: g.value)

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterator[ox.Quad]:
        """Return the quads matching a pattern (``None``: any), a graph's subjects read together."""
        terms = [("s", subject), ("p", predicate), ("o", object)]
        pattern = " ".join(f"?{v}" if t is None else str(t) for v, t in terms)
        free = [f"?{v}" for v, t in terms if t is None]
        if isinstance(graph_name, ox.DefaultGraph):
            where, order = f"{{ {pattern} }}", ""
        elif graph_name is None:
            where, order = f"{{ GRAPH ?g {{ {pattern} }} }}", "ORDER BY ?g ?s" if subject is None else "ORDER BY ?g"
            free.append("?g")
        else:
            where, order = f"{{ GRAPH {graph_name} {{ {pattern} }} }}", "ORDER BY ?s" if subject is None else ""
        if not free:
            free = ["(1 AS ?one)"]
        rows = self._select([("query", f"SELECT {' '.join(free)} WHERE {where} {order}")])
        graph = graph_name if graph_name is not None else None
        for row in rows:
            yield ox.Quad(subject if subject is not None else row["s"],
                          predicate if predicate is not None else row["p"],
                          object if object is not None else row["o"],
                          graph if graph is not None else row["g"])

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern(None, None, None, None)

    def __len__(self) -> int:
        rows = list(self._select([("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")]))
        return int(rows[0]["n"].value) if rows else 0

    def snapshot(self) -> ox.Store:
        """Copy the whole remote dataset into an in-memory Oxigraph store."""
        store = ox.Store()
        store.bulk_extend(self.quads_for_pattern(None, None, None, None))
        return store


class RemoteGeneration:
    """A new version of the remote dataset: filled locally, sent by :meth:`commit`."""

    def __init__(self, endpoint: SparqlEndpoint, progress: Callable[[str], None] | None = None):
        self.endpoint = endpoint
        self.path = endpoint.update
        self.store: ox.Store | None = ox.Store()  # in memory
        self.progress = progress

    def commit(self) -> None:
        """Replace the remote dataset's graphs with this generation's."""
        assert self.store is not None
        replace_dataset(RemoteStore(self.endpoint), self.store, progress=self.progress)
        self.store = None

    def discard(self) -> None:
        """Drop the local copy; the remote dataset is untouched."""
        self.store = None


def replace_dataset(remote: RemoteStore, store: ox.Store, *, progress: Callable[[str], None] | None = None) -> int:
    """Make the remote dataset's named graphs those of ``store`` (graphs it lacks are dropped).

    Returns the number of HTTP requests that wrote.
    """
    say = progress or (lambda _msg: None)
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)),
                    key=lambda g: (g.value == META_GRAPH, g.value))  # the metadata last
    stale = sorted({g.value for g in remote.named_graphs()} - {g.value for g in graphs})
    if remote.endpoint.gsp:
        return _replace_by_gsp(remote, store, graphs, stale, say)
    batch = remote.endpoint.batch
    if len(store) <= batch:  # one request: one transaction on the server
        say(f"writing {len(store)} quads in one update request")
        parts = [f"DROP SILENT GRAPH <{g}>" for g in stale]
        for g in graphs:
            parts.append(f"DROP SILENT GRAPH {g}")
            parts.append(_insert(g, store.quads_for_pattern(None, None, None, g)))
        remote.update(" ;\n".join(parts))
        return 1
    requests_sent = 0
    for g in graphs:
        quads = list(store.quads_for_pattern(None, None, None, g))
        # blank nodes are scoped to one request: a graph holding any is sent whole
        size = len(quads) if any(_has_bnode(q) for q in quads) else batch
        for start in range(0, max(len(quads), 1), size):
            chunk = quads[start:start + size]
            head = f"DROP SILENT GRAPH {g} ;\n" if start == 0 else ""
            remote.update(head + _insert(g, chunk))
            requests_sent += 1
        say(f"wrote {g.value} ({len(quads)} quads)")
    for g in stale:
        remote.update(f"DROP SILENT GRAPH <{g}>")
        requests_sent += 1
    return requests_sent


def _replace_by_gsp(remote: RemoteStore, store: ox.Store, graphs: list[ox.NamedNode], stale: list[str],
                    say: Callable[[str], None]) -> int:
    url = remote.endpoint.gsp
    for g in graphs:
        body = ox.serialize((q.triple for q in store.quads_for_pattern(None, None, None, g)),
                            format=ox.RdfFormat.N_TRIPLES)
        response = remote._request("PUT", url, params={"graph": g.value}, data=body,
                                   headers={"Content-Type": "application/n-triples; charset=utf-8"})
        if response.status_code >= 300:
            raise ServiceError(f"the Graph Store at {url} refused PUT of {g.value}: HTTP "
                               f"{response.status_code} {_body(response)}")
        say(f"wrote {g.value}")
    for g in stale:
        response = remote._request("DELETE", url, params={"graph": g})
        if response.status_code >= 300 and response.status_code != 404:
            raise ServiceError(f"the Graph Store at {url} refused DELETE of {g}: HTTP {response.status_code}")
    remote._graphs = None
    return len(graphs) + len(stale)


def _insert(graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> str:
    body = "\n".join(f"{q.triple} ." for q in quads)
    return f"INSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}"


def _has_bnode(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


def _body(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    return f"({text[:300]})" if text else ""


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
