// All reviews, newest first (the columns of reviews.rq).
MATCH (r:Review)
OPTIONAL MATCH (r)-[:DISCUSSES]->(e:Resource)
RETURN r.iri AS r, r.name AS title, r.datePublished AS date, count(DISTINCT e) AS episodes
ORDER BY date IS NULL, date DESC, r
