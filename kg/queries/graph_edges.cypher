// Every edge the graph view draws, chapters and takeaways folded into their episode (the columns of
// graph_edges.rq with nothing bound). One row per distinct (s, kind, o), as SELECT DISTINCT gives;
// graph_edges.s.cypher and graph_edges.o.cypher answer it with ?s or ?o bound. cito:extends is EXTENDS,
// kg:extends (its sub-property) KG_EXTENDS; both are drawn as "extends".
MATCH (s:Resource)-[r:COVERS|RECOMMENDS|IN_TOPIC|DISCUSSES|HAS_TOPIC|BROADER|RELATED|RELATED_EPISODE|EVALUATED_ON|EXTENDS|KG_EXTENDS]->(o:Resource)
WHERE NOT o.iri STARTS WITH '_:'
RETURN s.iri AS s, CASE type(r) WHEN 'KG_EXTENDS' THEN 'extends' ELSE toLower(type(r)) END AS kind, o.iri AS o
UNION
MATCH (s:Resource)-[:HAS_CHAPTER]->(:Resource)-[r:EXPLAINS|MENTIONS]->(o:Resource)
WHERE NOT o.iri STARTS WITH '_:'
RETURN s.iri AS s, toLower(type(r)) AS kind, o.iri AS o
UNION
MATCH (s:Episode)-[r:EXPLAINS|MENTIONS]->(o:Resource)
WHERE NOT o.iri STARTS WITH '_:'
RETURN s.iri AS s, toLower(type(r)) AS kind, o.iri AS o
UNION
MATCH (s:Resource)-[:HAS_TAKEAWAY]->(:Resource)-[:MENTIONS]->(o:Resource)
WHERE NOT o.iri STARTS WITH '_:'
RETURN s.iri AS s, 'mentions' AS kind, o.iri AS o
UNION
MATCH (s:Resource)-[:CO_RECOMMENDED]->(:Resource)-[:RELATED_TO]->(o:Resource)
WHERE NOT o.iri STARTS WITH '_:'
RETURN s.iri AS s, 'co_recommended' AS kind, o.iri AS o
