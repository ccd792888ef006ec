// Gap report evidence: the text of every review paragraph (the columns of gaps_review_text.rq; kg.gaps
// looks for E-numbers in it).
MATCH (r:Resource)-[:HAS_PARAGRAPH]->(p:Resource)
WHERE p.text IS NOT NULL
RETURN DISTINCT r.iri AS r, r.name AS rtitle, p.iri AS p, p.position AS position, p.sectionTitle AS section,
       p.text AS text
ORDER BY r, position IS NOT NULL, position, p
