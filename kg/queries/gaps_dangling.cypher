// Gap report evidence: edges whose far end is no node of the graph (the columns of gaps_dangling.rq).
// "No rdf:type anywhere" is a node with no label but Resource: the sync turns every kg: class into a
// label, and the pipeline asserts a kg: class for everything it types (standard classes only beside one).
// An edge to an IRI nothing describes ends at a bare node (graphs []), so the edge is still there to find.
MATCH (s:Resource)-[r:EXPLAINS|REFERS_TO|DISCUSSES|IN_TOPIC|BROADER|RELATED|EVALUATED_ON|KG_EXTENDS|RECOMMENDED_PAPER]->(o:Resource)
WITH s, r, o, CASE type(r) WHEN 'EXPLAINS' THEN s ELSE o END AS missing
WHERE size(labels(missing)) = 1 AND NOT missing.iri STARTS WITH '_:'
RETURN DISTINCT s.iri AS s,
       CASE type(r) WHEN 'EXPLAINS' THEN 'explained_in' WHEN 'KG_EXTENDS' THEN 'extends' ELSE toLower(type(r)) END AS kind,
       o.iri AS o, missing.iri AS missing
ORDER BY kind, s, o
