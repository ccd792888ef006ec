// Topics an episode is filed under, and the reviews that discuss it (the columns of episode_topics.rq).
// params: e
MATCH (e:Resource {iri: $e})
UNWIND [(e)-[:IN_TOPIC]->(topic:Resource) | {topic: topic.iri, title: topic.name, review: null, reviewTitle: null}]
     + [(review:Resource)-[:DISCUSSES]->(e) | {topic: null, title: null, review: review.iri, reviewTitle: review.name}]
       AS row
RETURN DISTINCT e.iri AS e, row.topic AS topic, row.title AS title, row.review AS review,
       row.reviewTitle AS reviewTitle
ORDER BY topic IS NOT NULL, topic, review IS NOT NULL, review
