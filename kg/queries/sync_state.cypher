// `kg sync neo4j`: the named graphs synced so far, each with the hash of its quads when it was synced.
MATCH (s:SyncedGraph)
RETURN s.iri AS graph, s.hash AS hash
