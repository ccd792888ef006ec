// Key takeaways in order (the columns of episode_takeaways.rq).
// params: e
MATCH (e:Resource {iri: $e})-[:HAS_TAKEAWAY]->(t:Resource)
WHERE t.position IS NOT NULL AND t.text IS NOT NULL
RETURN e.iri AS e, t.position AS position, t.text AS text
ORDER BY position
