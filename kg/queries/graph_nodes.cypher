// Every node of the kinds the graph view draws, with its class, a label and the few fields a label is
// made from (the columns of graph_nodes.rq with nothing bound; graph_nodes.n.cypher answers it for one
// node). One row per node and class: the RDF store repeats a row once per source that types the node,
// which the view, reading the rows of a node as a set, does not see.
MATCH (n:Episode|Paper|Term|Topic|Review)
UNWIND [label IN labels(n) WHERE label IN ['Episode', 'Paper', 'Term', 'Topic', 'Review']] AS class
RETURN n.iri AS n, 'https://paperdive.ai/ontology#' + class AS class, n.prefLabel AS label, n.name AS name,
       n.episodeNumber AS number, n.termKind AS termKind, n.identifier AS key
