// Broader, narrower and related terms (the columns of term_links.rq).
// params: t
MATCH (t:Resource {iri: $t})
UNWIND [(t)-[:BROADER]->(o:Resource) | {other: o, rel: 'broader'}]
     + [(o:Resource)-[:BROADER]->(t) | {other: o, rel: 'narrower'}]
     + [(t)-[:RELATED]-(o:Resource) | {other: o, rel: 'related'}] AS link
WITH t, link.other AS other, link.rel AS rel
WHERE other.prefLabel IS NOT NULL
RETURN DISTINCT t.iri AS t, other.iri AS other, other.prefLabel AS label, rel
ORDER BY rel, toLower(label), other
