"""RDF: the ontology's namespaces and the mapping from records to quads."""
