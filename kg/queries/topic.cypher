// A topic and its episodes, one row per field value or episode (the columns of topic.rq): the field
// "topic" (no value) says the node is a topic, "title" and "summary" carry its properties, and each
// episode filed under it is a row of field "episode". SPARQL sorts an unbound value first in
// ascending order, Cypher last: hence the IS NOT NULL key.
// params: t
MATCH (t:Resource {iri: $t})
UNWIND CASE WHEN t:Topic THEN [{field: 'topic', value: null, e: null}] ELSE [] END
     + [fv IN [['title', t.name], ['summary', t.description]] WHERE fv[1] IS NOT NULL
        | {field: fv[0], value: fv[1], e: null}]
     + [(e:Resource)-[:IN_TOPIC]->(t) | {field: 'episode', value: null, e: e}] AS row
WITH t, row.field AS field, row.value AS value, row.e AS e
RETURN DISTINCT t.iri AS t, field, value, e.iri AS e, e.episodeNumber AS number, e.name AS etitle
ORDER BY number IS NOT NULL, number, field, e
