// Where a term is explained: chapters (with timestamp) or whole episodes; and where it is mentioned, with
// the mention count of a chapter (the columns of term_explained.rq).
// params: t
MATCH (t:Resource {iri: $t})
UNWIND [(e:Resource)-[:HAS_CHAPTER]->(c:Resource)-[:EXPLAINS]->(t) | {e: e, chapter: c, how: 'explains'}]
     + [(e:Episode)-[:EXPLAINS]->(t) | {e: e, chapter: null, how: 'explains'}]
     + [(e:Resource)-[:HAS_CHAPTER]->(c:Resource)-[:MENTIONS]->(t) | {e: e, chapter: c, how: 'mentions'}]
     + [(e:Episode)-[:MENTIONS]->(t) | {e: e, chapter: null, how: 'mentions'}]
     + [(e:Episode)-[:HAS_TAKEAWAY]->(:Resource)-[:MENTIONS]->(t) | {e: e, chapter: null, how: 'mentions'}]
       AS hit
WITH t, hit.e AS e, hit.chapter AS chapter, hit.how AS how,
     hit.chapter.timestamp IS NOT NULL AND hit.chapter.startOffset IS NOT NULL AS timed
OPTIONAL MATCH (m:Mention)-[:MENTION_IN]->(chapter), (m)-[:MENTION_OF]->(t)
WITH t, e, chapter, how, timed, CASE WHEN how = 'mentions' THEN m.mentionCount END AS count
RETURN DISTINCT t.iri AS t, e.iri AS e, e.episodeNumber AS number, e.name AS title, chapter.iri AS chapter,
       CASE WHEN timed THEN chapter.timestamp END AS timestamp, CASE WHEN timed THEN chapter.startOffset END AS start,
       chapter.name AS chapterTitle, how, count
ORDER BY how, number IS NULL, number DESC, start IS NOT NULL, start
