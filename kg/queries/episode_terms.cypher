// Glossary terms an episode (or one of its chapters or takeaways) explains or mentions
// (the columns of episode_terms.rq).
// params: e
MATCH (e:Resource {iri: $e})
UNWIND [(e)-[:EXPLAINS|MENTIONS]->(t:Resource) | t]
     + [(e)-[:HAS_CHAPTER]->(:Resource)-[:EXPLAINS|MENTIONS]->(t:Resource) | t]
     + [(e)-[:HAS_TAKEAWAY]->(:Resource)-[:MENTIONS]->(t:Resource) | t] AS term
WITH DISTINCT e, term
WHERE term.prefLabel IS NOT NULL
RETURN e.iri AS e, term.iri AS term, term.prefLabel AS label
ORDER BY toLower(label), term
