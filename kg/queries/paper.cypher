// A paper's fields (the columns of paper.rq).
// params: p
MATCH (p:Resource {iri: $p})
WHERE p:Paper
RETURN p.iri AS p, p.identifier AS key, p.name AS title, p.url AS url, p.datePublished AS published,
       p.arxivId AS arxiv, p.doi AS doi
