// The paper an episode covers (the columns of episode_source.rq).
// params: e
MATCH (e:Resource {iri: $e})-[:COVERS]->(paper:Resource)
RETURN e.iri AS e, paper.iri AS paper, paper.identifier AS key, paper.name AS title, paper.url AS url,
       paper.datePublished AS published
ORDER BY paper
