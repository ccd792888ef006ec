// The glossary index: every term with its definition, aliases, acronyms and generated forms (the columns
// of glossary.rq; the lists joined by newlines as GROUP_CONCAT does).
MATCH (t:Term)
WHERE t.prefLabel IS NOT NULL
RETURN t.iri AS t, t.prefLabel AS label, t.definition AS definition, t.termKind AS kind,
       reduce(s = '', x IN coalesce(t.altLabel, []) | s + CASE WHEN s = '' THEN '' ELSE '\n' END + x) AS aliases,
       reduce(s = '', x IN coalesce(t.acronym, []) | s + CASE WHEN s = '' THEN '' ELSE '\n' END + x) AS acronyms,
       reduce(s = '', x IN coalesce(t.hiddenLabel, []) | s + CASE WHEN s = '' THEN '' ELSE '\n' END + x) AS variants
ORDER BY toLower(label), t
