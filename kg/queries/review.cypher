// A review's fields (the columns of review.rq).
// params: r
MATCH (r:Resource {iri: $r})
WHERE r:Review
RETURN r.iri AS r, r.name AS title, r.datePublished AS date, r.duration AS duration
LIMIT 1
