// One episode's own fields (the columns of episode.rq).
// params: e
MATCH (e:Resource {iri: $e})
WHERE e:Episode
RETURN e.iri AS e, e.episodeNumber AS number, e.name AS title, e.url AS url, e.datePublished AS published,
       e.duration AS duration, e.description AS summary, e.reviewSummary AS reviewSummary,
       e.generationNote AS note, e.generatedOn AS generatedOn, e.guid AS guid
LIMIT 1
