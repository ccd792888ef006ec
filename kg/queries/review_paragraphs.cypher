// A review's paragraphs in order, with section and topic, as the review's own graph $g states them (the
// columns of review_paragraphs.rq; its GRAPH ?g is read off the `graphs` of the relationships and of the
// topic node). A topic's name and summary are its node's, given only for a paragraph filed under it and
// only if $g describes the topic (one value each in Neo4j: a topic that recurs in several reviews keeps
// its longest name and summary, where the RDF store gives each review's own).
// params: r, g
MATCH (r:Resource {iri: $r})-[hp:HAS_PARAGRAPH]->(p:Resource)
WHERE $g IN hp.graphs AND p.position IS NOT NULL AND p.text IS NOT NULL
OPTIONAL MATCH (p)-[pt:PARAGRAPH_TOPIC]->(topic:Resource)
WHERE $g IN pt.graphs
RETURN DISTINCT r.iri AS r, $g AS g, p.position AS position, p.text AS text, p.sectionTitle AS section,
       topic.iri AS topic, CASE WHEN $g IN topic.graphs THEN topic.name END AS topicTitle,
       CASE WHEN $g IN topic.graphs THEN topic.description END AS topicSummary
ORDER BY position
