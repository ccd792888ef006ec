// Gap report evidence: every topic and the episodes filed under it (the columns of gaps_topic_episodes.rq).
MATCH (t:Topic)
OPTIONAL MATCH (e:Resource)-[:IN_TOPIC]->(t)
RETURN DISTINCT t.iri AS t, t.name AS title, e.iri AS e
ORDER BY t, e IS NOT NULL, e
