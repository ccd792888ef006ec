// The edges the graph view draws into one node (the columns of graph_edges.rq with ?o bound):
// the branches of graph_edges.cypher, each anchored at the bound node (an index seek on Resource.iri).
// params: o
MATCH (o:Resource {iri: $o})
WHERE NOT o.iri STARTS WITH '_:'
UNWIND [(s:Resource)-[r:COVERS|RECOMMENDS|IN_TOPIC|DISCUSSES|HAS_TOPIC|BROADER|RELATED|RELATED_EPISODE|EVALUATED_ON|EXTENDS|KG_EXTENDS]->(o)
        | {s: s.iri, kind: CASE type(r) WHEN 'KG_EXTENDS' THEN 'extends' ELSE toLower(type(r)) END}]
     + [(s:Resource)-[:HAS_CHAPTER]->(:Resource)-[r:EXPLAINS|MENTIONS]->(o) | {s: s.iri, kind: toLower(type(r))}]
     + [(s:Episode)-[r:EXPLAINS|MENTIONS]->(o) | {s: s.iri, kind: toLower(type(r))}]
     + [(s:Resource)-[:HAS_TAKEAWAY]->(:Resource)-[:MENTIONS]->(o) | {s: s.iri, kind: 'mentions'}]
     + [(s:Resource)-[:CO_RECOMMENDED]->(:Resource)-[:RELATED_TO]->(o) | {s: s.iri, kind: 'co_recommended'}]
       AS edge
WITH DISTINCT o, edge
RETURN edge.s AS s, edge.kind AS kind, o.iri AS o
