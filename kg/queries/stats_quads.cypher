// How many quads the synced named graphs held in the RDF store, and how many graphs were synced.
MATCH (s:SyncedGraph)
RETURN coalesce(sum(s.quads), 0) AS quads, count(s) AS graphs
