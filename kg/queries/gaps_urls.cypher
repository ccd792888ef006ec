// Gap report evidence: every URL the graph holds for a reading-list item or a paper, and what it resolved
// to (the columns of gaps_urls.rq): the UNION of its two branches, then its order (unbound first, as SPARQL
// sorts ascending).
CALL () {
  MATCH (e:Resource)-[:HAS_RECOMMENDATION]->(node:Resource)
  OPTIONAL MATCH (node)-[:RECOMMENDED_PAPER]->(paper:Resource)
  RETURN 'reading' AS what, e.iri AS e, e.episodeNumber AS number, node.iri AS node, node.position AS position,
         node.name AS title, node.url AS url, paper.iri AS paper
  UNION
  MATCH (node:Paper)
  WHERE node.url IS NOT NULL
  RETURN 'paper' AS what, null AS e, null AS number, node.iri AS node, null AS position,
         node.identifier AS title, node.url AS url, node.iri AS paper
}
RETURN what, e, number, node, position, title, url, paper
ORDER BY what, e IS NOT NULL, e, position IS NOT NULL, position, node
