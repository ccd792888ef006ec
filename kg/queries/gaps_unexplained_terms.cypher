// Gap report evidence: glossary terms no known chapter or episode explains and no chapter mentions, with
// where else the corpus mentions them (the columns of gaps_unexplained_terms.rq). A mention graph holds
// (:Mention {mentionCount})-[:MENTION_OF]->(term) and -[:MENTION_IN]->(the text's node); one row per kg:
// class of that node, and one row with nulls for a term mentioned nowhere (the OPTIONAL of the SPARQL).
MATCH (t:Term)
WHERE t.prefLabel IS NOT NULL
  AND NOT EXISTS { (:Chapter|Episode)-[:EXPLAINS]->(t) }
  AND NOT EXISTS { (:Chapter)-[:MENTIONS]->(t) }
WITH t,
     [(place:Resource)<-[:MENTION_IN]-(m:Resource)-[:MENTION_OF]->(t) WHERE m.mentionCount IS NOT NULL
      | [label IN labels(place) WHERE label <> 'Resource'
         | {place: place.iri, class: 'https://paperdive.ai/ontology#' + label, count: m.mentionCount}]] AS found
WITH t, reduce(acc = [], x IN found | acc + x) AS hits
UNWIND CASE WHEN hits = [] THEN [null] ELSE hits END AS hit
RETURN DISTINCT t.iri AS t, t.prefLabel AS label, t.termKind AS kind, hit.place AS `where`,
       hit.class AS whereClass, hit.count AS count
ORDER BY toLower(label), `where` IS NOT NULL, `where`, t
