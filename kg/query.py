"""Read-only SPARQL over the embedded store, and result formatting (table, CSV, JSON).

Queries see the union of all named graphs as their default graph, so a question needs no GRAPH
clause; ``GRAPH ?g`` still tells which source asserted a fact.

Only reads are accepted: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is refused, and so
is SERVICE, which would make the process fetch arbitrary URLs.

>>> check_read_only("SELECT * WHERE { ?s ?p 'DELETE' } # INSERT")
>>> check_read_only("DELETE WHERE { ?s ?p ?o }")
Traceback (most recent call last):
kg.errors.ReadOnlyError: SPARQL DELETE is refused: kg queries are read-only (SELECT, ASK, CONSTRUCT, DESCRIBE). To change the graph, edit the sources and run `kg build`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import QueryError, ReadOnlyError
from kg.namespaces import PREFIXES

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][\w]+)
  | (?P<pname>[\w.-]*:[\w.%-]*)
  | (?P<word>[A-Za-z_]\w*)
""", re.VERBOSE)
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def _keywords(query: str):
    for match in _TOKEN.finditer(query):
        if match.lastgroup == "word":
            yield match.group().upper()


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(query: str) -> str:
    r"""Decode SPARQL's codepoint escapes, which the grammar allows anywhere (``\u0053ERVICE``).

    >>> _unescape(r"\u0053ERVICE")
    'SERVICE'
    """
    def char(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code < 0x110000 and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return _CODEPOINT.sub(char, query)


def check_read_only(query: str) -> None:
    """Raise :class:`ReadOnlyError` if ``query`` is an update or uses SERVICE.

    Codepoint escapes are decoded first, so an escaped keyword is refused as the keyword.
    """
    for word in _keywords(_unescape(query)):
        if word in _UPDATE_WORDS:
            raise ReadOnlyError(f"SPARQL {word} is refused: kg queries are read-only (SELECT, ASK, "
                                "CONSTRUCT, DESCRIBE). To change the graph, edit the sources and run "
                                "`kg build`.")
        if word == "SERVICE":
            raise ReadOnlyError("SPARQL SERVICE is refused: federated queries would make kg fetch "
                                "remote URLs. Query the local graph only.")


@dataclass
class QueryResult:
    """The result of one query: solutions, a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    kind: str  # "select", "ask", "graph" (SPARQL), "cypher" or "table" (plain values, e.g. kg.analyze)
    variables: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # pyoxigraph terms (SPARQL) or plain values (Cypher, tables)
    boolean: bool | None = None
    truncated: bool = False


def with_prefixes(query: str) -> str:
    """Prepend PREFIX lines for the project's namespaces that the query does not declare."""
    declared = {m.group(1) for m in re.finditer(r"(?i)PREFIX\s+([\w-]*):", query)}
    head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return head + query


def run_sparql(store: ox.Store, query: str, *, max_rows: int | None = None,
               timeout: float | None = None) -> QueryResult:
    """Run a read-only query; at most ``max_rows`` rows are kept (``truncated`` says if more existed).

    With ``timeout`` (seconds) a query still running then raises :class:`QueryError`; Oxigraph
    cannot cancel it, so it runs on in a daemon thread whose result is dropped (the CLI exits).
    """
    check_read_only(query)
    if timeout is not None:
        return _with_timeout(lambda: run_sparql(store, query, max_rows=max_rows), timeout)
    try:
        result = store.query(with_prefixes(query), use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from exc
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        out = QueryResult("select", variables=[v.value for v in result.variables])
        rows = (list(solution) for solution in result)
    else:
        out = QueryResult("graph", variables=["subject", "predicate", "object"])
        rows = ([t.subject, t.predicate, t.object] for t in result)
    try:
        for row in rows:
            if max_rows is not None and len(out.rows) >= max_rows:
                out.truncated = True
                break
            out.rows.append(row)
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
    return out


def _with_timeout(work, timeout: float):
    import threading

    box: dict = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="kg-sparql", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryError(f"the query ran longer than {timeout:g} s and was abandoned; narrow it (fewer "
                         "patterns, a LIMIT, a more specific class) or raise --timeout")
    if "error" in box:
        raise box["error"]
    return box["result"]


def term_text(term) -> str:
    """Return the plain text of a cell: an RDF term's value, a Cypher value as text; '' for unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, str):
        return term
    return json.dumps(term, ensure_ascii=False, default=str)


_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?![0-9.]))")


def spreadsheet_safe(text: str) -> str:
    """Quote a cell a spreadsheet would run as a formula (``=``, ``+``, ``@``, ``-`` not before a number).

    >>> spreadsheet_safe("=1+1"), spreadsheet_safe("-2.5"), spreadsheet_safe("ERNIE")
    ("'=1+1", '-2.5', 'ERNIE')
    """
    return "'" + text if _FORMULA.match(text) else text


def _term_json(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """Render a result as ``table`` (aligned text), ``csv`` or ``json``.

    SPARQL results use the SPARQL 1.1 JSON results format; Cypher results and plain tables
    ``{"columns", "rows"}``.
    """
    if fmt == "json":
        if result.kind in ("cypher", "table"):
            return json.dumps({"columns": result.variables, "rows": result.rows}, ensure_ascii=False,
                              indent=1, default=str)
        if result.kind == "ask":
            return json.dumps({"head": {}, "boolean": result.boolean})
        bindings = [{v: _term_json(t) for v, t in zip(result.variables, row) if t is not None}
                    for row in result.rows]
        return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=1)
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(result.variables)
        writer.writerows([spreadsheet_safe(term_text(t)) for t in row] for row in result.rows)
        return buf.getvalue()
    if fmt == "table":
        return _table(result)
    raise QueryError(f"unknown format {fmt!r}; use table, csv or json")


def _table(result: QueryResult) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(*result.variables, show_lines=False)
    for row in result.rows:
        table.add_row(*(term_text(t) for t in row))
    console = Console(width=200, record=True, file=io.StringIO(), markup=False, emoji=False)
    console.print(table)
    text = console.export_text()
    note = f"{len(result.rows)} row(s)" + (" (truncated; raise --max-rows)" if result.truncated else "")
    return text + note
