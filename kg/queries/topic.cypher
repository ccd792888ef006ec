// A topic and its episodes (the columns of topic.rq).
// params: t
MATCH (t:Resource {iri: $t})
WHERE t:Topic
OPTIONAL MATCH (e:Resource)-[:IN_TOPIC]->(t)
RETURN t.iri AS t, t.name AS title, t.description AS summary, e.iri AS e, e.episodeNumber AS number,
       e.name AS etitle
ORDER BY number IS NOT NULL, number, e
