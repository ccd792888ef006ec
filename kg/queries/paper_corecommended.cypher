// Papers recommended alongside a paper (precomputed), with how often (the columns of paper_corecommended.rq).
// params: p
MATCH (p:Resource {iri: $p})-[:CO_RECOMMENDED]->(link:Resource)-[:RELATED_TO]->(other:Resource)
WHERE link.weight IS NOT NULL
RETURN p.iri AS p, other.iri AS other, other.identifier AS key, other.name AS title,
       toInteger(link.weight) AS count
ORDER BY count DESC, key IS NOT NULL, key
