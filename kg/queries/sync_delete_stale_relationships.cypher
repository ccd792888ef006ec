// `kg sync neo4j`: delete a node's outgoing relationships that the RDF graph no longer has.
// A row: {iri, keep: ["TYPE <end iri>", ...]}.
// params: rows
UNWIND $rows AS row
MATCH (a:Resource {iri: row.iri})-[r]->(b:Resource)
WHERE NOT (type(r) + ' ' + b.iri) IN row.keep
DELETE r
