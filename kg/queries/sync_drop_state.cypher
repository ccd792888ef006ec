// `kg sync neo4j`, last step: forget named graphs the RDF store no longer has.
// params: graphs
MATCH (s:SyncedGraph)
WHERE s.iri IN $graphs
DELETE s
