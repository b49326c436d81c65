"""Read-only Cypher against Neo4j, with parameters, a timeout and a row cap.

Two guards: a check before sending refuses writing clauses, ``LOAD CSV`` and procedures that
administer the server or reach the network; and the query runs in a READ transaction, so the
server refuses any write the check could miss.

>>> check_cypher_read_only("MATCH (n {name: 'CREATE'}) RETURN n // DELETE")
>>> check_cypher_read_only("MATCH (n) DETACH DELETE n")
Traceback (most recent call last):
kg.errors.ReadOnlyError: Cypher DETACH is refused: kg runs read-only Cypher (MATCH ... RETURN). To change the graph, edit the sources, run `kg build` and `kg sync`.
"""

from __future__ import annotations

import json
import re

import neo4j

from kg.errors import QueryError, ReadOnlyError
from kg.neo4j_client import Neo4jSettings, connect, translate_errors
from kg.query import QueryResult

_TOKEN = re.compile(r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<quoted>`[^`]*`)
  | (?P<param>\$\w+)
  | (?P<word>[A-Za-z_][\w.]*)
""", re.VERBOSE | re.DOTALL)
_WRITE_WORDS = {"CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "DROP", "FOREACH", "ALTER",
                "GRANT", "REVOKE", "DENY", "START", "STOP", "TERMINATE", "RENAME", "ENABLE"}
_REFUSED_PROCEDURE_PREFIXES = ("apoc.", "dbms.", "db.create", "db.index.fulltext.create", "gds.", "tx.")


_PROCEDURE = re.compile(r"\s*((?:`[^`]*`|[\w.\s])+)")


def _procedure_name(query: str, end: int) -> str:
    """The name a CALL at ``end`` invokes, backticks and spaces removed (`` `apoc`.load `` is apoc.load)."""
    match = _PROCEDURE.match(query, end)
    return re.sub(r"[`\s]", "", match.group(1)) if match else ""


def check_cypher_read_only(query: str) -> None:
    """Raise :class:`ReadOnlyError` for writing clauses, LOAD CSV and refused procedures."""
    matches = [m for m in _TOKEN.finditer(query) if m.lastgroup == "word"]
    words = [m.group() for m in matches]
    upper = [w.upper() for w in words]
    for i, word in enumerate(upper):
        if word == "CALL" and _procedure_name(query, matches[i].end()).lower().startswith(_REFUSED_PROCEDURE_PREFIXES):
            raise ReadOnlyError(f"Cypher CALL {_procedure_name(query, matches[i].end())} is refused: administration, "
                                "APOC and network-reaching procedures are not available to kg queries.")
        if word in _WRITE_WORDS:
            raise ReadOnlyError(f"Cypher {word} is refused: kg runs read-only Cypher (MATCH ... RETURN). "
                                "To change the graph, edit the sources, run `kg build` and `kg sync`.")
        if word == "LOAD" and i + 1 < len(upper) and upper[i + 1] == "CSV":
            raise ReadOnlyError("Cypher LOAD CSV is refused: it would make the server read files or URLs.")
        if word == "CALL" and i + 1 < len(words) and words[i + 1].lower().startswith(_REFUSED_PROCEDURE_PREFIXES):
            raise ReadOnlyError(f"Cypher CALL {words[i + 1]} is refused: administration, APOC and "
                                "network-reaching procedures are not available to kg queries.")


def parse_params(pairs: list[str]) -> dict:
    """Turn ``k=v`` strings into parameters; ``v`` is read as JSON when it parses, else as text.

    >>> parse_params(["name=文心一言", "year=2023", "ids=[1, 2]"])
    {'name': '文心一言', 'year': 2023, 'ids': [1, 2]}
    """
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise QueryError(f"--param expects NAME=VALUE, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def run_cypher(settings: Neo4jSettings, query: str, params: dict | None = None, *,
               timeout: float = 30.0, max_rows: int | None = 10000) -> QueryResult:
    """Run a read-only Cypher query; at most ``max_rows`` rows are kept."""
    check_cypher_read_only(query)
    out = QueryResult("cypher")
    with connect(settings) as driver, translate_errors(settings):
        with driver.session(database=settings.database, default_access_mode=neo4j.READ_ACCESS) as session:
            try:
                result = session.run(neo4j.Query(query, timeout=timeout), params or {})
                out.variables = list(result.keys())
                for record in result:
                    if max_rows is not None and len(out.rows) >= max_rows:
                        out.truncated = True
                        break
                    out.rows.append([plain(v) for v in record.values()])
                result.consume()
            except neo4j.exceptions.ClientError as exc:
                if exc.code == "Neo.ClientError.Statement.AccessMode":
                    raise ReadOnlyError(f"Neo4j refused a write in a read-only query: {exc.message}") from exc
                if exc.code and "TransactionTimedOut" in exc.code:
                    raise QueryError(f"the query ran longer than {timeout:g} s and was stopped; "
                                     "narrow it or raise --timeout") from exc
                raise
    return out


def plain(value):
    """Turn driver values into JSON-friendly Python: nodes and relationships as dicts, dates as ISO text."""
    if isinstance(value, neo4j.graph.Node):
        return {"labels": sorted(value.labels), "properties": {k: plain(v) for k, v in value.items()}}
    if isinstance(value, neo4j.graph.Relationship):
        return {"type": value.type, "start": value.start_node.get("uri"), "end": value.end_node.get("uri"),
                "properties": {k: plain(v) for k, v in value.items()}}
    if isinstance(value, neo4j.graph.Path):
        return {"nodes": [plain(n) for n in value.nodes], "relationships": [plain(r) for r in value.relationships]}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value
