// `kg sync neo4j`: write nodes whole: all properties replaced, kg labels set, labels no longer held removed.
// A row: {iri, labels: [kg labels], props: {iri, graphs, ...}}.
// params: rows
UNWIND $rows AS row
MERGE (n:Resource {iri: row.iri})
SET n = row.props
WITH n, row, [label IN labels(n) WHERE label <> 'Resource' AND NOT label IN row.labels] AS stale
REMOVE n:$(stale)
SET n:$(row.labels)
