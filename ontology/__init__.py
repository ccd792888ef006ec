"""The ontology (kg.ttl), SHACL shapes (shapes.ttl) and JSON-LD context, shipped as package data."""
