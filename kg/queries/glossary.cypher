// The glossary index: every term with its definition, aliases and acronyms (the columns of glossary.rq;
// aliases and acronyms joined by newlines as GROUP_CONCAT does).
MATCH (t:Term)
WHERE t.prefLabel IS NOT NULL
RETURN t.iri AS t, t.prefLabel AS label, t.definition AS definition, t.termKind AS kind,
       reduce(s = '', x IN coalesce(t.altLabel, []) | s + CASE WHEN s = '' THEN '' ELSE '\n' END + x) AS aliases,
       reduce(s = '', x IN coalesce(t.acronym, []) | s + CASE WHEN s = '' THEN '' ELSE '\n' END + x) AS acronyms
ORDER BY toLower(label), t
