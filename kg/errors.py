"""The exception tree of the ``kg`` library.

Every error a user can cause or meet derives from :class:`KGError`, which carries the process exit
code the CLI uses (see DESIGN.md):

    KGError                      exit 1 unless said otherwise
    ├── ConfigError              kg.toml missing, unreadable or wrong
    ├── InputError               a source file is malformed; carries one Finding per problem
    │   ├── OntologyError        ontology/aigc.ttl or shapes.ttl does not parse
    │   └── LimitError           a source is larger than a [limits] bound of kg.toml allows
    ├── ValidationError          the built graph fails SHACL or a data check; carries Findings
    ├── StoreError               the embedded store is missing, locked or unreadable
    ├── QueryError               a query does not parse or fails while running
    │   └── ReadOnlyError        a query tries to write or reach the network (UPDATE, LOAD, SERVICE)
    └── ServiceError             exit 3: an external service (Neo4j) is unreachable or failing
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem found in the input, located as precisely as the source allows."""

    level: str  # "ERROR" or "WARNING"
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    subject: str | None = None

    def where(self) -> str:
        """Return ``file:line:col`` (as much of it as is known)."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        subject = f" {self.subject}:" if self.subject else ""
        return f"[{self.level}] {self.where()}{subject} {self.message}"


class KGError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message)
        self.message = message
        self.findings = list(findings or [])

    def report(self) -> str:
        """Return one line per finding, in file and line order, then the message."""
        ordered = sorted(self.findings, key=lambda f: (f.file or "", f.line or 0, f.col or 0))
        lines = [str(f) for f in ordered]
        lines.append(self.message)
        return "\n".join(lines)


class ConfigError(KGError):
    """The configuration file is missing, unreadable or names something that does not exist."""


class InputError(KGError):
    """A source file is malformed; ``findings`` lists every problem with its location."""


class OntologyError(InputError):
    """The ontology or the SHACL shapes do not parse."""


class LimitError(InputError):
    """A source exceeds a resource bound (``[limits]`` in kg.toml); the message names the bound."""


class ValidationError(KGError):
    """The graph built from the sources fails SHACL shapes or data checks."""


class StoreError(KGError):
    """The embedded store is missing, locked by another process or unreadable."""


class QueryError(KGError):
    """A query does not parse or fails while it runs."""


class ReadOnlyError(QueryError):
    """A query would write to the store or reach the network; only reads are allowed."""


class ServiceError(KGError):
    """An external service (Neo4j) is unreachable or failing."""

    exit_code = 3
