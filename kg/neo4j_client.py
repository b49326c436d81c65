"""Connecting to Neo4j: settings from the environment, and driver errors turned into KGErrors.

Settings come from ``NEO4J_URI`` (default ``bolt://127.0.0.1:7687``), ``NEO4J_USER`` (default
``neo4j``), ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` (default ``neo4j``). Any scheme the driver
knows works (``bolt://``, ``neo4j://``, ``neo4j+s://`` for Aura or a cluster); nothing here assumes
localhost.

Write transactions of the sync (:func:`run_write_retried`) are retried with backoff on transient
failures — a leader switch in a cluster, a dropped connection, a deadlock, a transaction terminated
by the server or an administrator — and the caller counts the retries.

Errors: an unreachable server, a refused login or a missing database raise
:class:`~kg.errors.ServiceError` (exit 3) with what to do; a bad Cypher statement raises
:class:`~kg.errors.QueryError` with the server's message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
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
    write_attempts: int = 6  # attempts of one sync batch (run_write_retried), within retry_time

    @classmethod
    def from_env(cls, env: dict | None = None) -> Neo4jSettings:
        """Read NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE and NEO4J_TIMEOUT (seconds)."""
        env = os.environ if env is None else env
        try:
            timeout = float(env.get("NEO4J_TIMEOUT") or cls.timeout)
        except ValueError:
            raise ServiceError(f"NEO4J_TIMEOUT {env.get('NEO4J_TIMEOUT')!r} is not a number of seconds") from None
        return cls(uri=env.get("NEO4J_URI") or cls.uri, user=env.get("NEO4J_USER") or cls.user,
                   password=env.get("NEO4J_PASSWORD") or None,
                   database=env.get("NEO4J_DATABASE") or cls.database, timeout=timeout)


# The driver logs connection failures itself ("Failed to read from defunct connection ..."); Python
# would print them on stderr before kg's own message. kg reports them as ServiceError instead.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

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
        if exc.code and "TransactionTimedOut" in exc.code:  # e.g. waiting on another transaction's locks
            raise timed_out(settings, exc) from exc
        if exc.code in TERMINATED_CODES:  # by an administrator, a shutdown (or retried until the end)
            raise ServiceError(f"Neo4j at {settings.uri} terminated a transaction ({exc.code}): "
                               f"{_short_message(exc)}. Run the command again; a sync converges.") from exc
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


def timed_out(settings: Neo4jSettings, exc: BaseException) -> ServiceError:
    """The error of a transaction the server ended at its timeout (``NEO4J_TIMEOUT``)."""
    code = getattr(exc, "code", None) or type(exc).__name__
    return ServiceError(f"Neo4j at {settings.uri} did not finish a transaction within {settings.timeout:g} s "
                        f"({code}); another client may hold locks, or the server is overloaded. "
                        "Run the command again (raise NEO4J_TIMEOUT for a slow server); a sync converges.")


# What Neo4j 5 answers when it ends a transaction from outside: a transaction that reached its
# timeout while waiting for a lock fails with LockClientStopped, exactly like one terminated by
# an administrator; only the time it ran tells them apart (see _ended_by_timeout).
TERMINATED_CODES = ("Neo.ClientError.Transaction.Terminated", "Neo.ClientError.Transaction.LockClientStopped",
                    "Neo.TransientError.Transaction.Terminated", "Neo.TransientError.Transaction.LockClientStopped")


def _ended_by_timeout(settings: Neo4jSettings, exc: BaseException, seconds: float) -> bool:
    """Tell whether a failed transaction that ran ``seconds`` was ended by its own timeout."""
    code = getattr(exc, "code", None) or ""
    return "TransactionTimedOut" in code or (code in TERMINATED_CODES and seconds >= 0.9 * settings.timeout)


def _short_message(exc: BaseException) -> str:
    text = (getattr(exc, "message", None) or str(exc)).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def run_read(driver: neo4j.Driver, settings: Neo4jSettings, query: str, **params) -> list[dict]:
    """Run a read query in READ access mode and return its records as dicts."""
    with translate_errors(settings):
        records, _, _ = driver.execute_query(neo4j.Query(query, timeout=settings.timeout), params,
                                             database_=settings.database, routing_=neo4j.RoutingControl.READ)
    return [r.data() for r in records]


# Failures after which running the same write again can succeed. The driver classifies a
# terminated transaction as a client error (since Neo4j 5), but what terminates a sync's batch is
# a leader switch, a shutdown or an administrator, never the batch itself.
RETRYABLE_CODES = ("Neo.ClientError.Transaction.Terminated", "Neo.ClientError.Transaction.LockClientStopped",
                   "Neo.ClientError.Cluster.NotALeader", "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase")


def is_transient(exc: BaseException) -> bool:
    """Tell whether a failed write transaction is worth running again."""
    if isinstance(exc, (nx.TransientError, nx.SessionExpired, nx.ServiceUnavailable)):
        return True
    code = getattr(exc, "code", None) or ""
    return code.startswith("Neo.TransientError.") or code in RETRYABLE_CODES


def run_write_retried(driver: neo4j.Driver, settings: Neo4jSettings, work_for: Callable[[int], Callable], *,
                      on_retry: Callable[[BaseException], None] | None = None):
    """Run ``work_for(attempt)(tx)`` as one write transaction; run it again after a transient failure.

    ``attempt`` is 0 first, then 1, 2, ... so that the work can make a repeated write safe (a
    failure while committing leaves it unknown whether the first attempt's writes are there). At
    most ``settings.write_attempts`` attempts within ``settings.retry_time`` seconds, waiting
    0.2 s, 0.4 s, ... (with jitter) in between; ``on_retry`` is told of each failure retried.
    """
    deadline = time.monotonic() + settings.retry_time
    delay = 0.2
    attempt = 0
    with translate_errors(settings):
        while True:
            started = time.monotonic()
            try:
                with driver.session(database=settings.database) as session:
                    # bounded like every other transaction: a batch waiting on another client's
                    # locks must end at NEO4J_TIMEOUT (without it, it waited for ever)
                    tx = session.begin_transaction(timeout=settings.timeout)
                    try:
                        out = work_for(attempt)(tx)
                        tx.commit()
                        return out
                    finally:
                        if not tx.closed():
                            with contextlib.suppress(Exception):  # the connection may be gone
                                tx.rollback()
            except (nx.Neo4jError, nx.DriverError) as exc:
                if _ended_by_timeout(settings, exc, time.monotonic() - started):
                    raise timed_out(settings, exc) from exc  # running it again would wait as long
                if (not is_transient(exc) or attempt + 1 >= settings.write_attempts
                        or time.monotonic() + delay > deadline):
                    raise
                if on_retry is not None:
                    on_retry(exc)
                time.sleep(delay * random.uniform(0.75, 1.25))
                delay = min(delay * 2, 5.0)
                attempt += 1


def run_write(driver: neo4j.Driver, settings: Neo4jSettings, work: Callable, *args):
    """Run ``work(tx, *args)`` as one write transaction (retried by the driver on transient errors)."""
    bounded = neo4j.unit_of_work(timeout=settings.timeout)(work)  # a write waiting on locks must end too
    started = time.monotonic()
    with translate_errors(settings):
        try:
            with driver.session(database=settings.database) as session:
                return session.execute_write(bounded, *args)
        except nx.Neo4jError as exc:
            if _ended_by_timeout(settings, exc, time.monotonic() - started):
                raise timed_out(settings, exc) from exc
            raise
