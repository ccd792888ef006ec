// Gap report evidence: every episode with its number, feed date and the date of each review discussing it
// (the columns of gaps_episode_dates.rq). SPARQL sorts an unbound value first in ascending order, Cypher
// sorts null last, hence the IS NOT NULL keys; the review breaks ties the SPARQL leaves open.
MATCH (e:Episode)
OPTIONAL MATCH (review:Resource)-[:DISCUSSES]->(e)
RETURN DISTINCT e.iri AS e, e.episodeNumber AS number, e.name AS title, e.guid AS guid,
       e.datePublished AS published, review.iri AS review, review.datePublished AS reviewDate
ORDER BY e, review IS NOT NULL, review
