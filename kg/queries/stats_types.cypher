// Relationships per type (one per distinct subject, predicate, object, as stats_edges.rq counts).
MATCH (:Resource)-[r]->(:Resource)
RETURN type(r) AS type, count(r) AS n
