"""Convert values as written in a source into typed RDF literals, or say why they cannot be.

Each converter returns a ``pyoxigraph.Literal`` or raises ``ValueError`` with the expectation in
words, which the caller turns into a located finding.

>>> partial_date("2024-05-13").datatype.value.rsplit("#")[-1]
'date'
>>> partial_date("2024-05").datatype.value.rsplit("#")[-1]
'gYearMonth'
>>> partial_date("May 2024")
Traceback (most recent call last):
ValueError: expects a date like 2024-05-13 (or 2024-05, or 2024), got 'May 2024'
>>> whole_number("7B", "str")
Traceback (most recent call last):
ValueError: expects a whole number like 175000000000, got '7B'
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def partial_date(text: str) -> ox.Literal:
    """Read YYYY-MM-DD, YYYY-MM or YYYY as xsd:date, xsd:gYearMonth or xsd:gYear."""
    match = _DATE_RE.match(text.strip())
    if not match:
        raise ValueError(f"expects a date like 2024-05-13 (or 2024-05, or 2024), got {text!r}")
    year, month, day = match.groups()
    try:
        if day:
            dt.date(int(year), int(month), int(day))
            return ox.Literal(text.strip(), datatype=ox.NamedNode(XSD + "date"))
        if month:
            dt.date(int(year), int(month), 1)
            return ox.Literal(text.strip(), datatype=ox.NamedNode(XSD + "gYearMonth"))
    except ValueError:
        raise ValueError(f"expects a real calendar date, got {text!r}") from None
    return ox.Literal(year, datatype=ox.NamedNode(XSD + "gYear"))


def full_date(text: str) -> ox.Literal:
    """Read YYYY-MM-DD as xsd:date."""
    lit = partial_date(text)
    if not lit.datatype.value.endswith("#date"):
        raise ValueError(f"expects a full date like 2026-11-30, got {text!r}")
    return lit


def whole_number(text: str, tag: str) -> ox.Literal:
    """Read a YAML integer as xsd:integer."""
    try:
        if tag != "int":
            raise ValueError
        number = int(text.replace("_", ""), 0)
    except ValueError:
        raise ValueError(f"expects a whole number like 175000000000, got {text!r}") from None
    return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))


def decimal(text: str, tag: str) -> ox.Literal:
    """Read a YAML number as xsd:decimal (as announced: no rounding)."""
    if tag not in ("int", "float"):
        raise ValueError(f"expects a number like 100000000 or 2.5, got {text!r}")
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"expects a number like 100000000 or 2.5, got {text!r}") from None
    return ox.Literal(format(value, "f"), datatype=ox.NamedNode(XSD + "decimal"))


_FLOAT_TEXT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def double(text: str, tag: str) -> ox.Literal:
    """Read a number as xsd:double (an estimate such as training compute: 3.8e25).

    >>> double("3.8e25", "float").value
    '3.8e+25'
    """
    # YAML 1.1 reads 3.8e24 (no sign in the exponent) as text: such text is a number here too
    if tag not in ("int", "float") and not _FLOAT_TEXT.match(text.strip()):
        raise ValueError(f"expects a number like 3.8e25, got {text!r}")
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"expects a number like 3.8e25, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"expects a finite number, got {text!r}")
    return ox.Literal(repr(value), datatype=ox.NamedNode(XSD + "double"))


def boolean(text: str, tag: str) -> ox.Literal:
    """Read a YAML boolean as xsd:boolean."""
    if tag != "bool":
        raise ValueError(f"expects true or false, got {text!r}")
    value = text.lower() in ("true", "yes", "on", "y")
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))


def any_uri(text: str) -> ox.Literal:
    """Read an http(s) URL as xsd:anyURI."""
    if not text.startswith(("http://", "https://")) or any(c.isspace() for c in text):
        raise ValueError(f"expects an http(s) URL without spaces, got {text!r}")
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "anyURI"))


def url_node(text: str) -> ox.NamedNode:
    """Return a URL as an IRI node, refusing what is not a valid IRI."""
    if not text.startswith(("http://", "https://")):
        raise ValueError(f"expects an http(s) URL, got {text!r}")
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise ValueError(f"is not a valid IRI (spaces or forbidden characters?): {text!r}; "
                         "percent-encode them") from None
