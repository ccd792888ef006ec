// Related episodes, precomputed at build time with weight and reason (the columns of episode_related.rq).
// SPARQL sorts an unbound value first in ascending order; Cypher sorts null last, hence the IS NOT NULL key.
// params: e
MATCH (e:Resource {iri: $e})-[:RELATEDNESS]->(rel:Resource)-[:RELATED_TO]->(other:Resource)
WHERE rel.weight IS NOT NULL AND rel.reason IS NOT NULL
RETURN e.iri AS e, other.iri AS other, rel.weight AS weight, rel.reason AS reason, other.name AS title,
       other.episodeNumber AS number
ORDER BY weight DESC, number IS NOT NULL, number
