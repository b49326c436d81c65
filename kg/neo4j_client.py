"""Connecting to Neo4j: settings from the environment, and driver errors turned into KGErrors.

Settings come from ``NEO4J_URI`` (default ``bolt://127.0.0.1:7687``), ``NEO4J_USER`` (default
``neo4j``), ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` (default ``neo4j``). Any scheme the driver
knows works (``bolt://``, ``neo4j://``, ``neo4j+s://`` for Aura or a cluster); nothing here assumes
localhost.

Errors: an unreachable server, a refused login or a missing database raise
:class:`~kg.errors.ServiceError` (exit 3) with what to do; a bad Cypher statement raises
:class:`~kg.errors.QueryError` with the server's message.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import neo4j
from neo4j import exceptions as nx

from kg.errors import QueryError, ServiceError


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how to connect."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: str | None = None
    database: str = "neo4j"
    timeout: float = 60.0  # seconds a single transaction may run
    retry_time: float = 15.0  # seconds the driver retries a transaction on transient failures

    @classmethod
    def from_env(cls, env: dict | None = None) -> Neo4jSettings:
        """Read NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD and NEO4J_DATABASE."""
        env = os.environ if env is None else env
        return cls(uri=env.get("NEO4J_URI") or cls.uri, user=env.get("NEO4J_USER") or cls.user,
                   password=env.get("NEO4J_PASSWORD") or None,
                   database=env.get("NEO4J_DATABASE") or cls.database)


START_HINT = "start the local server with `kg neo4j start`, or point NEO4J_URI at a running Neo4j"


@contextlib.contextmanager
def connect(settings: Neo4jSettings) -> Iterator[neo4j.Driver]:
    """Open a driver and check that the server answers; translate failures."""
    auth = (settings.user, settings.password) if settings.password is not None else None
    try:
        driver = neo4j.GraphDatabase.driver(settings.uri, auth=auth, connection_timeout=10,
                                            max_transaction_retry_time=settings.retry_time,
                                            notifications_min_severity="OFF")
    except (ValueError, nx.ConfigurationError) as exc:
        raise ServiceError(f"NEO4J_URI {settings.uri!r} is not a Neo4j URI: {exc}") from exc
    try:
        with translate_errors(settings):
            driver.verify_connectivity()
        yield driver
    finally:
        driver.close()


@contextlib.contextmanager
def translate_errors(settings: Neo4jSettings) -> Iterator[None]:
    """Turn driver exceptions into ServiceError / QueryError with a message a person can act on."""
    try:
        yield
    except nx.AuthError as exc:
        raise ServiceError(f"Neo4j at {settings.uri} refused the login of user {settings.user!r}: "
                           f"{exc.message}; check NEO4J_USER and NEO4J_PASSWORD") from exc
    except (nx.ServiceUnavailable, nx.SessionExpired, ConnectionError, OSError) as exc:
        raise ServiceError(f"Neo4j at {settings.uri} is unreachable ({_short(exc)}); {START_HINT}. "
                           "A sync that stopped half way converges when run again.") from exc
    except nx.CypherSyntaxError as exc:
        raise QueryError(f"Cypher syntax error: {exc.message}") from exc
    except nx.ClientError as exc:
        if exc.code and "DatabaseNotFound" in exc.code:
            raise ServiceError(f"Neo4j at {settings.uri} has no database {settings.database!r}; "
                               "set NEO4J_DATABASE to an existing one (Community edition has "
                               "only 'neo4j')") from exc
        if exc.code and exc.code.startswith("Neo.ClientError.Security"):
            raise ServiceError(f"Neo4j at {settings.uri} refused the request: {exc.message}") from exc
        raise QueryError(f"Neo4j refused the query: {exc.message} ({exc.code})") from exc
    except nx.Neo4jError as exc:  # transient or database errors that outlived the driver's retries
        raise ServiceError(f"Neo4j at {settings.uri} failed: {exc.message} ({exc.code}). "
                           "Run the command again; a sync converges.") from exc
    except nx.DriverError as exc:
        raise ServiceError(f"Neo4j at {settings.uri} failed: {_short(exc)}. Run the command again.") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def run_read(driver: neo4j.Driver, settings: Neo4jSettings, query: str, **params) -> list[dict]:
    """Run a read query in READ access mode and return its records as dicts."""
    with translate_errors(settings):
        records, _, _ = driver.execute_query(neo4j.Query(query, timeout=settings.timeout), params,
                                             database_=settings.database, routing_=neo4j.RoutingControl.READ)
    return [r.data() for r in records]


def run_write(driver: neo4j.Driver, settings: Neo4jSettings, work: Callable, *args):
    """Run ``work(tx, *args)`` as one write transaction (retried by the driver on transient errors)."""
    with translate_errors(settings):
        with driver.session(database=settings.database) as session:
            return session.execute_write(work, *args)
