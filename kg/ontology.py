"""Load the ontology and the SHACL shapes, and read from them what the build needs.

The ontology is data: class names, their IRI segments, concept schemes and property ranges are read
from ``ontology/aigc.ttl`` here, never repeated as Python constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef
from rdflib.collection import Collection

from kg.errors import Finding, OntologyError
from kg.namespaces import AIGC


@dataclass(frozen=True)
class ClassInfo:
    """An ontology class as the build uses it."""

    iri: str
    name: str
    segment: str  # the IRI segment of resources of this class (inherited from the top class)
    ancestors: tuple[str, ...]  # this class and every aigc superclass, nearest first
    scheme: str | None = None  # the skos:ConceptScheme of a concept class


@dataclass(frozen=True)
class PropertyInfo:
    """An ontology property as the build uses it."""

    iri: str
    name: str
    is_object: bool
    range: str | None  # IRI of the range (a class or a datatype), None when open
    domains: tuple[str, ...] = ()  # class IRIs; empty when open


@dataclass
class Ontology:
    """The parsed ontology and shapes, plus lookup tables by local name."""

    graph: Graph
    shapes: Graph
    path: Path
    shapes_path: Path
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    properties: dict[str, PropertyInfo] = field(default_factory=dict)

    classes_by_iri: dict[str, ClassInfo] = field(default_factory=dict, repr=False)

    def class_by_iri(self, iri: str) -> ClassInfo | None:
        """Return the class with this IRI, if the ontology defines it."""
        return self.classes_by_iri.get(iri)

    def record_kinds(self) -> dict[str, ClassInfo]:
        """The classes a curated record may be (report elements are written by ``kg ingest report`` only)."""
        evidence = str(AIGC.ReportElement)
        return {n: c for n, c in self.classes.items() if evidence not in c.ancestors}

    def is_a(self, cls: ClassInfo, ancestor_iri: str) -> bool:
        """Tell whether ``cls`` is ``ancestor_iri`` or one of its subclasses."""
        return ancestor_iri in cls.ancestors


def default_ontology_path() -> Path:
    """Return the path of the ontology shipped with the package."""
    return Path(str(resources.files("kg.ontology_files") / "aigc.ttl"))


def default_shapes_path() -> Path:
    """Return the path of the SHACL shapes shipped with the package."""
    return Path(str(resources.files("kg.ontology_files") / "shapes.ttl"))


def load_ontology(path: Path | None = None, shapes_path: Path | None = None) -> Ontology:
    """Parse the ontology and the shapes; raise :class:`OntologyError` with file:line on bad Turtle."""
    path = Path(path or default_ontology_path())
    shapes_path = Path(shapes_path or default_shapes_path())
    return _load_cached(path.resolve(), shapes_path.resolve(), _mtime(path), _mtime(shapes_path))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


@lru_cache(maxsize=4)
def _load_cached(path: Path, shapes_path: Path, _m1: float, _m2: float) -> Ontology:
    onto = Ontology(graph=_parse_turtle(path), shapes=_parse_turtle(shapes_path),
                    path=path, shapes_path=shapes_path)
    _read_classes(onto)
    _read_properties(onto)
    return onto


def _parse_turtle(path: Path) -> Graph:
    # pyoxigraph's parser reports the exact line and column of a syntax error; rdflib's Graph is
    # what pySHACL needs, so the file is parsed by both (it is small).
    try:
        for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            pass
    except FileNotFoundError as exc:
        raise OntologyError(f"{path}: file not found; check [ontology] in kg.toml") from exc
    except SyntaxError as exc:
        finding = Finding("ERROR", f"Turtle syntax error: {exc.msg}; fix the Turtle at this position",
                          str(path), exc.lineno, exc.offset)
        raise OntologyError(f"{path} does not parse", [finding]) from exc
    graph = Graph()
    graph.parse(str(path), format="turtle")
    return graph


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _union_members(g: Graph, node) -> list[URIRef]:
    if isinstance(node, URIRef):
        return [node]
    members = g.value(node, OWL.unionOf)
    return [m for m in Collection(g, members) if isinstance(m, URIRef)] if members else []


def _read_classes(onto: Ontology) -> None:
    g = onto.graph
    aigc_classes = {c for c in g.subjects(RDF.type, OWL.Class)
                    if isinstance(c, URIRef) and str(c).startswith(str(AIGC))}

    def ancestors(cls: URIRef) -> list[URIRef]:
        chain, todo = [], [cls]
        while todo:
            current = todo.pop(0)
            if current in chain:
                continue
            chain.append(current)
            todo.extend(p for p in g.objects(current, RDFS.subClassOf) if p in aigc_classes)
        return chain

    for cls in aigc_classes:
        chain = ancestors(cls)
        segment = next((str(s) for c in chain for s in g.objects(c, AIGC.iriSegment)), None)
        if segment is None:
            raise OntologyError(f"{onto.path}: class {_local(str(cls))} has no aigc:iriSegment "
                                "on it or on a superclass; add one to its top class")
        scheme = next((str(s) for c in chain for s in g.objects(c, AIGC.conceptScheme)), None)
        info = ClassInfo(str(cls), _local(str(cls)), segment, tuple(str(c) for c in chain), scheme)
        onto.classes[info.name] = info
        onto.classes_by_iri[info.iri] = info


def _read_properties(onto: Ontology) -> None:
    g = onto.graph
    for kind, is_object in ((OWL.ObjectProperty, True), (OWL.DatatypeProperty, False)):
        for prop in g.subjects(RDF.type, kind):
            if not (isinstance(prop, URIRef) and str(prop).startswith(str(AIGC))):
                continue
            rng = g.value(prop, RDFS.range)
            domains = tuple(str(d) for dom in g.objects(prop, RDFS.domain)
                            for d in _union_members(g, dom))
            info = PropertyInfo(str(prop), _local(str(prop)), is_object,
                                str(rng) if isinstance(rng, URIRef) else None, domains)
            onto.properties[info.name] = info


# Datatypes the build converts values to; the ontology names them as property ranges.
PARTIAL_DATE = str(AIGC.PartialDate)
INTEGER = str(XSD.integer)
DECIMAL = str(XSD.decimal)
DOUBLE = str(XSD.double)
BOOLEAN = str(XSD.boolean)
ANY_URI = str(XSD.anyURI)
DATE = str(XSD.date)
