// Recommended reading in order (the columns of episode_reading.rq).
// params: e
MATCH (e:Resource {iri: $e})-[:HAS_RECOMMENDATION]->(r:Resource)
WHERE r.position IS NOT NULL
OPTIONAL MATCH (r)-[:RECOMMENDED_PAPER]->(paper:Resource)
RETURN e.iri AS e, r.position AS position, r.name AS title, r.note AS note, r.url AS url,
       paper.iri AS paper, paper.identifier AS key
ORDER BY position
