// All topics with their episode counts (the columns of topics.rq).
MATCH (t:Topic)
OPTIONAL MATCH (e:Resource)-[:IN_TOPIC]->(t)
RETURN t.iri AS t, t.name AS title, count(DISTINCT e) AS episodes
ORDER BY title IS NOT NULL, title, t
