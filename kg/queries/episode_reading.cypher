// Recommended reading in order (the columns of episode_reading.rq; the paper's key is read off its IRI
// by the caller).
// params: e
MATCH (e:Resource {iri: $e})-[:HAS_RECOMMENDATION]->(r:Resource)
WHERE r.position IS NOT NULL
OPTIONAL MATCH (r)-[:RECOMMENDED_PAPER]->(paper:Resource)
RETURN DISTINCT e.iri AS e, r.position AS position, r.name AS title, r.note AS note, r.url AS url,
       paper.iri AS paper
ORDER BY position
