// Terms each chapter of an episode explains or mentions (the columns of episode_chapter_terms.rq).
// params: e
MATCH (e:Resource {iri: $e})-[:HAS_CHAPTER]->(chapter:Resource)-[link:EXPLAINS|MENTIONS]->(term:Resource)
WHERE term.prefLabel IS NOT NULL
RETURN DISTINCT e.iri AS e, chapter.iri AS chapter, term.iri AS term, term.prefLabel AS label,
       toLower(type(link)) AS how
ORDER BY chapter, label, how
