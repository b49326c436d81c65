"""The project's graph as a read-only SPARQL 1.1 Protocol endpoint (``kg serve-sparql``).

A standard-library HTTP server (no framework) answering the *query* operation of the SPARQL 1.1
Protocol at ``/sparql``: ``GET ?query=``, ``POST`` of ``application/x-www-form-urlencoded`` and of
``application/sparql-query``, with ``default-graph-uri`` / ``named-graph-uri``. Without them the
default graph is the union of all named graphs, as for ``kg query sparql``; the project's prefixes
are predeclared.

Content negotiation (``Accept``, with q-values): SELECT and ASK as SPARQL results in JSON (the
default), XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle (the default), N-Triples, RDF/XML or
JSON-LD. Nothing acceptable: 406.

Refused with 400 and a message: a malformed query, SPARQL Update (in any form), and SERVICE (the
checks of :func:`kg.query.check_read_only`). A query runs at most ``timeout`` seconds (then 503;
Oxigraph cannot cancel a running evaluation, so the worker stops at its next result row) and
returns at most ``max_rows`` rows or triples (then the header ``X-SPARQL-MaxRows`` tells the cap).
It binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespaces import PREFIXES
from kg.query import QueryResult, check_read_only, format_result, with_prefixes

PATH = "/sparql"
DEFAULT_PORT = 3330
RESULT_TYPES = {  # media type -> results format (SELECT, ASK)
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {  # media type -> RDF format (CONSTRUCT, DESCRIBE)
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


class ProtocolError(Exception):
    """A request the endpoint answers with an HTTP error status and a plain-text message."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class _TimedOut(Exception):
    """The query's time was up before its last row."""


@dataclass
class Answer:
    """A response body and its headers."""

    body: bytes
    content_type: str
    truncated: bool = False


def negotiate(accept: str | None, offers: dict) -> str | None:
    """Pick the offered media type the ``Accept`` header prefers (the first offer for none or ``*/*``).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_TYPES)
    'application/sparql-results+xml'
    >>> negotiate("image/png", RESULT_TYPES) is None
    True
    """
    if not accept or not accept.strip():
        return next(iter(offers))
    ranked = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in ("*/*", "*"):
            match = next(iter(offers))
        elif media.endswith("/*"):
            match = next((o for o in offers if o.startswith(media[:-1])), None)
        else:
            match = media if media in offers else None
        specificity = 0 if media in ("*/*", "*") else 1 if media.endswith("/*") else 2
        if match:
            ranked.append((-q, -specificity, position, match))
    return min(ranked)[3] if ranked else None


def evaluate(store, query: str, *, accept: str | None, default_graphs: list[str], named_graphs: list[str],
             max_rows: int | None, deadline: float, cancelled: threading.Event) -> Answer:
    """Run a read-only query and serialize its result as the client accepts."""
    check_read_only(query)
    options: dict = {}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        result = store.query(with_prefixes(query), **options)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    # pyoxigraph's results may only be dropped on the thread that made them, and an exception
    # would carry them (in its traceback's frames) to the HTTP thread: it is raised bare.
    try:
        return _serialize(result, accept, max_rows, deadline, cancelled)
    except Exception as exc:  # noqa: BLE001 (re-raised below)
        error = exc
    finally:
        result = None
    error.__traceback__ = error.__context__ = error.__cause__ = None
    raise error


def _serialize(result, accept: str | None, max_rows: int | None, deadline: float,
               cancelled: threading.Event) -> Answer:
    graph = not isinstance(result, (ox.QueryBoolean, ox.QuerySolutions))
    offers = GRAPH_TYPES if graph else RESULT_TYPES
    media = negotiate(accept, offers)
    if media is None:
        raise ProtocolError(HTTPStatus.NOT_ACCEPTABLE, f"none of the media types in Accept: {accept} can hold "
                            f"this result; use one of {', '.join(offers)}")
    if isinstance(result, ox.QueryBoolean):
        answer = ox.parse_query_results(format_result(QueryResult("ask", boolean=bool(result)), "json"),
                                        format=ox.QueryResultsFormat.JSON)
        return Answer(answer.serialize(format=offers[media]), offers[media].media_type)
    rows, truncated = [], False
    items = iter(result) if graph else (list(s) for s in result)
    try:
        for item in items:
            if cancelled.is_set() or time.monotonic() > deadline:
                raise _TimedOut
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            rows.append(item)
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from None
    finally:
        items = None
    if graph:
        fmt = offers[media]
        prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        body = ox.serialize(rows, format=fmt, prefixes=prefixes) if prefixes else ox.serialize(rows, format=fmt)
        return Answer(body, fmt.media_type, truncated)
    solutions = QueryResult("select", variables=[v.value for v in result.variables], rows=rows)
    parsed = ox.parse_query_results(format_result(solutions, "json"), format=ox.QueryResultsFormat.JSON)
    return Answer(parsed.serialize(format=offers[media]), offers[media].media_type, truncated)


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: holds the store, the limits, and the pool that runs queries."""

    daemon_threads = True

    def __init__(self, store, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, timeout: float = 30.0,
                 max_rows: int | None = 10_000, workers: int = 2, log: Callable[[str], None] | None = None):
        super().__init__((host, port), _Handler)
        self.store, self.query_timeout, self.max_rows = store, timeout, max_rows
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")
        self.log = log

    @property
    def url(self) -> str:
        """The endpoint's URL."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall per request

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.server.log:
            self.server.log(f"{self.address_string()} {format % args}")

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path != PATH:
            return self._error(ProtocolError(HTTPStatus.NOT_FOUND, f"the SPARQL endpoint is {PATH}"))
        params = parse_qs(url.query, keep_blank_values=True)
        if "query" not in params:
            return self._error(ProtocolError(HTTPStatus.BAD_REQUEST,
                                             f"give the query as {PATH}?query=... (SPARQL 1.1 Protocol)"))
        self._answer(params)

    def do_POST(self):
        url = urlsplit(self.path)
        try:
            if url.path != PATH:
                raise ProtocolError(HTTPStatus.NOT_FOUND, f"the SPARQL endpoint is {PATH}")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            params = parse_qs(url.query, keep_blank_values=True)
            if kind == "application/x-www-form-urlencoded":
                for key, values in parse_qs(body, keep_blank_values=True).items():
                    params.setdefault(key, []).extend(values)
            elif kind == "application/sparql-query":
                params["query"] = params.get("query", []) + [body]
            elif kind == "application/sparql-update":
                raise ProtocolError(HTTPStatus.BAD_REQUEST, "SPARQL Update is refused: this endpoint is read-only")
            else:
                raise ProtocolError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                                    "send application/x-www-form-urlencoded or application/sparql-query")
            if "update" in params:
                raise ProtocolError(HTTPStatus.BAD_REQUEST, "SPARQL Update is refused: this endpoint is read-only")
        except (ProtocolError, UnicodeDecodeError, ValueError) as exc:
            return self._error(exc if isinstance(exc, ProtocolError)
                               else ProtocolError(HTTPStatus.BAD_REQUEST, f"unreadable request: {exc}"))
        self._answer(params)

    def do_PUT(self):
        self._error(ProtocolError(HTTPStatus.METHOD_NOT_ALLOWED, "this endpoint is read-only (GET and POST of queries)"))

    do_DELETE = do_PATCH = do_PUT

    def _answer(self, params: dict[str, list[str]]) -> None:
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            return self._error(ProtocolError(HTTPStatus.BAD_REQUEST, "give exactly one non-empty query"))
        server = self.server
        cancelled = threading.Event()
        job = server.pool.submit(evaluate, server.store, queries[0], accept=self.headers.get("Accept"),
                                 default_graphs=params.get("default-graph-uri", []),
                                 named_graphs=params.get("named-graph-uri", []), max_rows=server.max_rows,
                                 deadline=time.monotonic() + server.query_timeout, cancelled=cancelled)
        try:
            answer = job.result(timeout=server.query_timeout)
        except (FutureTimeout, _TimedOut):
            cancelled.set()
            return self._error(ProtocolError(HTTPStatus.SERVICE_UNAVAILABLE,
                                             f"the query ran longer than {server.query_timeout:g} s and was stopped"))
        except ProtocolError as exc:
            return self._error(exc)
        except QueryError as exc:  # includes ReadOnlyError: updates, LOAD, SERVICE
            return self._error(ProtocolError(HTTPStatus.BAD_REQUEST, exc.message))
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", answer.content_type if "charset" in answer.content_type
                         else f"{answer.content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Vary", "Accept")
        if answer.truncated:
            self.send_header("X-SPARQL-MaxRows", str(server.max_rows))
        self.end_headers()
        self.wfile.write(answer.body)

    def _error(self, exc: ProtocolError) -> None:
        body = (exc.message + "\n").encode("utf-8")
        self.send_response(exc.status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def make_server(store, host: str = "127.0.0.1", port: int = DEFAULT_PORT, **options) -> SparqlServer:
    """Bind the endpoint (``port=0``: any free port) without serving yet; see :class:`SparqlServer`."""
    return SparqlServer(store, host, port, **options)
