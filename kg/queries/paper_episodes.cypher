// Episodes that cover or recommend a paper (the columns of paper_episodes.rq).
// params: p
MATCH (p:Resource {iri: $p})
UNWIND [(e:Resource)-[:COVERS]->(p) | {e: e, how: 'covers', note: null}]
     + [(e:Resource)-[:HAS_RECOMMENDATION]->(r:Resource)-[:RECOMMENDED_PAPER]->(p) | {e: e, how: 'recommends', note: r.note}]
       AS link
WITH p, link.e AS e, link.how AS how, link.note AS note
RETURN DISTINCT p.iri AS p, e.iri AS e, e.episodeNumber AS number, e.name AS title, how, note
ORDER BY how, number IS NULL, number DESC
