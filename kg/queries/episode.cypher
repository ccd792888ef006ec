// One episode's own fields, one row per field with a value (the columns of episode.rq): the field
// "episode" (value "") says the node is an episode; the others are its properties. Neo4j holds one
// value per property, so where the RDF store gives a field once per distinct value, this gives it once.
// params: e
MATCH (e:Resource {iri: $e})
UNWIND [fv IN [['episode', CASE WHEN e:Episode THEN '' END], ['number', e.episodeNumber], ['title', e.name],
               ['url', e.url], ['published', e.datePublished], ['duration', e.duration],
               ['summary', e.description], ['reviewSummary', e.reviewSummary], ['note', e.generationNote],
               ['generatedOn', e.generatedOn], ['guid', e.guid]]
        WHERE fv[1] IS NOT NULL] AS fv
RETURN e.iri AS e, fv[0] AS field, fv[1] AS value
