// `kg sync neo4j`: the nodes that any of the given named graphs said something about (so must be redone).
// params: graphs
MATCH (n:Resource)
WHERE n.graphs IS NOT NULL AND any(g IN n.graphs WHERE g IN $graphs)
RETURN n.iri AS iri
