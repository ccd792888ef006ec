// Chapters of an episode in order (the columns of episode_chapters.rq).
// params: e
MATCH (e:Resource {iri: $e})-[:HAS_CHAPTER]->(chapter:Resource)
WHERE chapter.position IS NOT NULL AND chapter.timestamp IS NOT NULL AND chapter.startOffset IS NOT NULL
RETURN e.iri AS e, chapter.iri AS chapter, chapter.position AS position, chapter.timestamp AS timestamp,
       chapter.startOffset AS start, chapter.name AS title, chapter.description AS summary
ORDER BY position
