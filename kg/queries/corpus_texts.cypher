// Every text of the corpus with where it sits (the columns of corpus_texts.rq with nothing bound; with
// ?g bound it runs at build time on the RDF store only). The SPARQL reads each text inside the named
// graph ?g that states it; here ?g is read off the `graphs` of the relationship that places the text
// node (HAS_CHAPTER's twin IS_PART_OF, HAS_TAKEAWAY, HAS_RECOMMENDATION, HAS_PARAGRAPH, HAS_TOPIC), a
// graph that also describes the node; an episode's summary is its feed item's, the graphs of the node
// whose (:SourceGraph) is of kind 'feed-item'. A paragraph's topic and the episodes it cites (refs,
// IRIs joined by spaces; null when none, as GROUP_CONCAT of nothing is unbound) are those of the same
// graph. One row per distinct value, ordered as the SPARQL orders them.
CALL () {
  MATCH (node:Chapter)-[ip:IS_PART_OF]->(episode:Resource)
  WHERE node.timestamp IS NOT NULL AND node.startOffset IS NOT NULL
  UNWIND [g IN ip.graphs WHERE g IN node.graphs] AS g
  UNWIND [text IN [node.name, node.description] WHERE text IS NOT NULL] AS text
  RETURN g, node.iri AS node, 'chapter' AS kind, text, episode.iri AS episode, node.timestamp AS timestamp,
         node.startOffset AS start, null AS review, null AS position, null AS topic, null AS refs
  UNION ALL
  MATCH (node:Episode)
  WHERE node.description IS NOT NULL
  UNWIND [g IN node.graphs WHERE EXISTS {
            MATCH (source:Resource {iri: g}) WHERE source:SourceGraph AND source.sourceKind = 'feed-item' }] AS g
  RETURN g, node.iri AS node, 'summary' AS kind, node.description AS text, node.iri AS episode,
         null AS timestamp, null AS start, null AS review, null AS position, null AS topic, null AS refs
  UNION ALL
  MATCH (episode:Resource)-[ht:HAS_TAKEAWAY]->(node:Resource)
  WHERE node.text IS NOT NULL AND node.position IS NOT NULL
  UNWIND [g IN ht.graphs WHERE g IN node.graphs] AS g
  RETURN g, node.iri AS node, 'takeaway' AS kind, node.text AS text, episode.iri AS episode, null AS timestamp,
         null AS start, null AS review, node.position AS position, null AS topic, null AS refs
  UNION ALL
  MATCH (episode:Resource)-[hr:HAS_RECOMMENDATION]->(node:Resource)
  WHERE node.name IS NOT NULL AND node.position IS NOT NULL
  UNWIND [g IN hr.graphs WHERE g IN node.graphs] AS g
  RETURN g, node.iri AS node, 'reading' AS kind,
         CASE WHEN node.note IS NULL THEN node.name ELSE node.name + ': ' + node.note END AS text,
         episode.iri AS episode, null AS timestamp, null AS start, null AS review, node.position AS position,
         null AS topic, null AS refs
  UNION ALL
  MATCH (review:Resource)-[hp:HAS_PARAGRAPH]->(node:Resource)
  WHERE node.text IS NOT NULL AND node.position IS NOT NULL
  UNWIND [g IN hp.graphs WHERE g IN node.graphs] AS g
  WITH g, review, node,
       [(node)-[pt:PARAGRAPH_TOPIC]->(topic:Resource) WHERE g IN pt.graphs | topic.iri] AS topics,
       [(node)-[rt:REFERS_TO]->(ref:Resource) WHERE g IN rt.graphs | ref.iri] AS refs
  UNWIND CASE WHEN topics = [] THEN [null] ELSE topics END AS topic
  RETURN g, node.iri AS node, 'paragraph' AS kind, node.text AS text, null AS episode, null AS timestamp,
         null AS start, review.iri AS review, node.position AS position, topic,
         CASE WHEN refs = [] THEN null
              ELSE reduce(joined = head(refs), ref IN tail(refs) | joined + ' ' + ref) END AS refs
  UNION ALL
  MATCH (review:Resource)-[ht:HAS_TOPIC]->(node:Resource)
  WHERE node.description IS NOT NULL
  UNWIND [g IN ht.graphs WHERE g IN node.graphs] AS g
  RETURN g, node.iri AS node, 'topic' AS kind, node.description AS text, null AS episode, null AS timestamp,
         null AS start, review.iri AS review, null AS position, node.iri AS topic, null AS refs
}
RETURN DISTINCT g, node, kind, text, episode, timestamp, start, review, position, topic, refs
ORDER BY g, node, text
