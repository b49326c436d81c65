"""The project's namespaces and IRI patterns (DESIGN.md, "Identifiers").

>>> resource_iri("org", "baidu")
'https://w3id.org/aigc-kg/resource/org/baidu'
>>> graph_iri("curated", "models")
'https://w3id.org/aigc-kg/graph/curated/models'
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Namespace

BASE = "https://w3id.org/aigc-kg/"
AIGC = Namespace(BASE + "ontology#")
RESOURCE = BASE + "resource/"
GRAPH = BASE + "graph/"
ONTOLOGY_GRAPH = GRAPH + "ontology"
META_GRAPH = GRAPH + "meta"

SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")

# The terms most modules match quads on, as pyoxigraph nodes (defined once here).
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ALT_LABEL = ox.NamedNode(str(SKOS.altLabel))
SOURCE = ox.NamedNode(str(DCTERMS.source))

PREFIXES = {
    "aigc": str(AIGC),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": str(SKOS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "dcterms": str(DCTERMS),
}


def resource_iri(segment: str, slug: str) -> str:
    """Return the IRI of a resource of the kind whose IRI segment is ``segment``."""
    return f"{RESOURCE}{segment}/{slug}"


def source_id(graph: str) -> str:
    """Return the short id of a source graph (``curated/models``)."""
    return graph[len(GRAPH):] if graph.startswith(GRAPH) else graph


def graph_iri(*parts: str) -> str:
    """Return the IRI of a named graph (one per source)."""
    return GRAPH + "/".join(parts)


def sparql_prefixes() -> str:
    """Return the PREFIX lines for every namespace above, for queries the library writes."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
