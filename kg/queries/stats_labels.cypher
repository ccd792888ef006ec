// Nodes per label (the kg: classes; Resource is every node's own label).
MATCH (n:Resource)
UNWIND labels(n) AS label
WITH label
WHERE label <> 'Resource'
RETURN label, count(*) AS n
