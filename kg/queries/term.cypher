// A glossary term's fields (the columns of term.rq).
// params: t
MATCH (t:Resource {iri: $t})
WHERE t:Term AND t.prefLabel IS NOT NULL
RETURN t.iri AS t, t.prefLabel AS label, t.definition AS definition, t.termKind AS kind
LIMIT 1
