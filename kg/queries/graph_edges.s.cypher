// The edges the graph view draws out of one node (the columns of graph_edges.rq with ?s bound):
// the branches of graph_edges.cypher, each anchored at the bound node (an index seek on Resource.iri).
// params: s
MATCH (s:Resource {iri: $s})
UNWIND [(s)-[r:COVERS|RECOMMENDS|IN_TOPIC|DISCUSSES|HAS_TOPIC|BROADER|RELATED|RELATED_EPISODE|EVALUATED_ON|EXTENDS|KG_EXTENDS]->(o:Resource)
        | {kind: CASE type(r) WHEN 'KG_EXTENDS' THEN 'extends' ELSE toLower(type(r)) END, o: o.iri}]
     + [(s)-[:HAS_CHAPTER]->(:Resource)-[r:EXPLAINS|MENTIONS]->(o:Resource) | {kind: toLower(type(r)), o: o.iri}]
     + [(s)-[r:EXPLAINS|MENTIONS]->(o:Resource) WHERE s:Episode | {kind: toLower(type(r)), o: o.iri}]
     + [(s)-[:HAS_TAKEAWAY]->(:Resource)-[:MENTIONS]->(o:Resource) | {kind: 'mentions', o: o.iri}]
     + [(s)-[:CO_RECOMMENDED]->(:Resource)-[:RELATED_TO]->(o:Resource) | {kind: 'co_recommended', o: o.iri}]
       AS edge
WITH DISTINCT s, edge
WHERE NOT edge.o STARTS WITH '_:'
RETURN s.iri AS s, edge.kind AS kind, edge.o AS o
