// `kg sync neo4j`, last step: record each named graph as synced (its hash and quad count).
// A row: {iri, hash, quads}.
// params: rows
UNWIND $rows AS row
MERGE (s:SyncedGraph {iri: row.iri})
SET s.hash = row.hash, s.quads = row.quads
