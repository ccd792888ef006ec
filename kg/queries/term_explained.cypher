// Where a term is explained (the glossary's explained_in: chapters, or whole episodes) and where it is
// mentioned, with the count of its mention node, (:Mention {mentionCount})-[:MENTION_OF]->(term) and
// -[:MENTION_IN]->(a chapter, an episode's summary or a takeaway) (the columns of term_explained.rq).
// Each branch starts from the bound term. SPARQL sorts an unbound value last in descending order and
// first in ascending order; Cypher does the opposite, hence the IS NULL / IS NOT NULL keys.
// params: t
MATCH (t:Resource {iri: $t})
UNWIND [(e:Resource)-[:HAS_CHAPTER]->(c:Resource)-[:EXPLAINS]->(t)
        | {e: e, chapter: c, how: 'explains', count: null}]
     + [(e:Episode)-[:EXPLAINS]->(t) | {e: e, chapter: null, how: 'explains', count: null}]
     + [(e:Resource)-[:HAS_CHAPTER]->(c:Resource)<-[:MENTION_IN]-(m:Resource)-[:MENTION_OF]->(t)
        WHERE m.mentionCount IS NOT NULL | {e: e, chapter: c, how: 'mentions', count: m.mentionCount}]
     + [(e:Episode)<-[:MENTION_IN]-(m:Resource)-[:MENTION_OF]->(t)
        WHERE m.mentionCount IS NOT NULL | {e: e, chapter: null, how: 'mentions', count: m.mentionCount}]
     + [(e:Resource)-[:HAS_TAKEAWAY]->(:Resource)<-[:MENTION_IN]-(m:Resource)-[:MENTION_OF]->(t)
        WHERE m.mentionCount IS NOT NULL | {e: e, chapter: null, how: 'mentions', count: m.mentionCount}]
       AS hit
WITH t, hit.e AS e, hit.chapter AS chapter, hit.how AS how, hit.count AS count
RETURN DISTINCT t.iri AS t, e.iri AS e, e.episodeNumber AS number, e.name AS title, chapter.iri AS chapter,
       chapter.timestamp AS timestamp, chapter.startOffset AS start, chapter.name AS chapterTitle, how, count
ORDER BY how, number IS NULL, number DESC, start IS NOT NULL, start
