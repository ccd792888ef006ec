// A paper's fields, one row per field with a value (the columns of paper.rq): the field "paper"
// (value "") says the node is a paper; the others are its properties (one value each in Neo4j: where
// sources give several titles, the longest, which is also the one the page shows from the RDF rows).
// params: p
MATCH (p:Resource {iri: $p})
UNWIND [fv IN [['paper', CASE WHEN p:Paper THEN '' END], ['key', p.identifier], ['title', p.name],
               ['url', p.url], ['published', p.datePublished], ['arxiv', p.arxivId], ['doi', p.doi]]
        WHERE fv[1] IS NOT NULL] AS fv
RETURN p.iri AS p, fv[0] AS field, fv[1] AS value
