// All episodes, newest number first (the columns of episodes.rq; the covered paper's key is read off
// its IRI by the caller). SPARQL sorts an unbound value last in descending order and first in
// ascending order; Cypher does the opposite, hence the IS NULL / IS NOT NULL keys.
MATCH (e:Episode)
OPTIONAL MATCH (e)-[:COVERS]->(paper:Resource)
RETURN e.iri AS e, e.episodeNumber AS number, e.name AS title, e.datePublished AS published,
       paper.iri AS paper
ORDER BY number IS NULL, number DESC, title IS NOT NULL, title
