// Papers recommended alongside a paper (precomputed), with how often; one row per field value of the
// other paper, its key or its title (the columns of paper_corecommended.rq).
// params: p
MATCH (p:Resource {iri: $p})-[:CO_RECOMMENDED]->(link:Resource)-[:RELATED_TO]->(other:Resource)
WHERE link.weight IS NOT NULL
UNWIND [fv IN [['key', other.identifier], ['title', other.name]] WHERE fv[1] IS NOT NULL] AS fv
RETURN DISTINCT p.iri AS p, other.iri AS other, link.weight AS count, fv[0] AS field, fv[1] AS value
