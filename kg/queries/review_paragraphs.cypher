// A review's paragraphs in order, with section and topic (the columns of review_paragraphs.rq).
// params: r
MATCH (r:Resource {iri: $r})-[:HAS_PARAGRAPH]->(p:Resource)
WHERE p.position IS NOT NULL AND p.text IS NOT NULL
OPTIONAL MATCH (p)-[:PARAGRAPH_TOPIC]->(topic:Resource)
RETURN r.iri AS r, p.position AS position, p.text AS text, p.sectionTitle AS section, topic.iri AS topic,
       topic.name AS topicTitle, topic.description AS topicSummary
ORDER BY position
