// Gap report evidence: per episode, how many topics, reading-list items and linked glossary terms it has
// (the columns of gaps_episode_counts.rq). One relationship per (start, type, end), so counting paths to
// a topic or a recommendation counts distinct ones; the terms are made distinct by the UNION.
MATCH (e:Episode)
RETURN e.iri AS e,
       COUNT { (e)-[:IN_TOPIC]->(:Resource) } AS topics,
       COUNT { (e)-[:HAS_RECOMMENDATION]->(:Resource) } AS reading,
       COUNT {
         MATCH (e)-[:EXPLAINS|MENTIONS]->(term:Resource) RETURN term
         UNION
         MATCH (e)-[:HAS_CHAPTER]->(:Resource)-[:EXPLAINS|MENTIONS]->(term:Resource) RETURN term
         UNION
         MATCH (e)-[:HAS_TAKEAWAY]->(:Resource)-[:MENTIONS]->(term:Resource) RETURN term
       } AS terms
