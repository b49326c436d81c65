"""The ontology (aigc.ttl) and SHACL shapes (shapes.ttl), installed as package data ``kg.ontology_files``."""
