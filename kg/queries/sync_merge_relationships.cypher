// `kg sync neo4j`: write relationships, one per (start, type, end), with the named graphs that assert them.
// A row: {start, type, end, graphs}. An end node no graph describes is created bare (graphs []).
// params: rows
UNWIND $rows AS row
MATCH (a:Resource {iri: row.start})
MERGE (b:Resource {iri: row.end})
  ON CREATE SET b.graphs = []
MERGE (a)-[r:$(row.type)]->(b)
SET r.graphs = row.graphs
