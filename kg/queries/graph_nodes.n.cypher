// What the graph view shows of one node (the columns of graph_nodes.rq with ?n bound): one row per
// class of the view's kinds that it has, none if it has none.
// params: n
MATCH (n:Resource {iri: $n})
UNWIND [label IN labels(n) WHERE label IN ['Episode', 'Paper', 'Term', 'Topic', 'Review']] AS class
RETURN n.iri AS n, 'https://paperdive.ai/ontology#' + class AS class, n.prefLabel AS label, n.name AS name,
       n.episodeNumber AS number, n.termKind AS termKind, n.identifier AS key
