// Gap report evidence: every recommendation of a paper that no episode covers (the columns of
// gaps_recommended_uncovered.rq; kg.gaps counts the episodes).
MATCH (e:Resource)-[:HAS_RECOMMENDATION]->(r:Resource)-[:RECOMMENDED_PAPER]->(p:Resource)
WHERE NOT EXISTS { (:Resource)-[:COVERS]->(p) }
RETURN DISTINCT p.iri AS p, p.identifier AS key, p.url AS url, e.iri AS e, e.episodeNumber AS number,
       e.name AS etitle, r.position AS position, r.name AS title, r.note AS note
ORDER BY p, number IS NOT NULL, number, e, position IS NOT NULL, position
