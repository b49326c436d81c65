"""The AIGC industry knowledge graph: sources -> RDF (Oxigraph store) -> SPARQL, Neo4j, explorer.

>>> import kg
>>> sorted(kg.__all__)[:3]
['BuildResult', 'Config', 'ConfigError']
"""

from kg.build import BuildResult, build_graph, ingest_files, map_records
from kg.config import Config, load_config
from kg.errors import (
    ConfigError,
    Finding,
    InputError,
    KGError,
    LimitError,
    OntologyError,
    QueryError,
    ReadOnlyError,
    ServiceError,
    StoreError,
    ValidationError,
)
from kg.export import Selection, export_subgraph, select_subgraph
from kg.ontology import Ontology, load_ontology
from kg.query import QueryResult, format_result, run_sparql
from kg.stats import GraphStats, graph_stats
from kg.store import open_store
from kg.validate import validate_store

__all__ = [
    "BuildResult",
    "Config",
    "ConfigError",
    "Finding",
    "GraphStats",
    "InputError",
    "KGError",
    "LimitError",
    "Ontology",
    "OntologyError",
    "QueryError",
    "QueryResult",
    "ReadOnlyError",
    "Selection",
    "ServiceError",
    "StoreError",
    "ValidationError",
    "build_graph",
    "export_subgraph",
    "format_result",
    "graph_stats",
    "ingest_files",
    "load_config",
    "load_ontology",
    "map_records",
    "open_store",
    "run_sparql",
    "select_subgraph",
    "validate_store",
]
