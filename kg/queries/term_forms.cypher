// Aliases and acronyms of a term (the columns of term_forms.rq).
// params: t
MATCH (t:Resource {iri: $t})
UNWIND [x IN coalesce(t.altLabel, []) | {form: x, type: 'alias'}]
     + [x IN coalesce(t.acronym, []) | {form: x, type: 'acronym'}] AS f
RETURN t.iri AS t, f.form AS form, f.type AS type
ORDER BY type, form
