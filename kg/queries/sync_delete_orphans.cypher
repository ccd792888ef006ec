// `kg sync neo4j`: delete nodes no graph describes any more (graphs empty, or unset after a CSV import)
// and nothing points at. The sync owns every :Resource node of its database.
MATCH (n:Resource)
WHERE coalesce(n.graphs, []) = [] AND NOT EXISTS { MATCH ()-->(n) }
DETACH DELETE n
