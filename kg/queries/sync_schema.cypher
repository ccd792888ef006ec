// `kg sync neo4j`, step 1: the uniqueness constraints and indexes (each statement runs on its own).
CREATE CONSTRAINT kg_resource_iri IF NOT EXISTS FOR (n:Resource) REQUIRE n.iri IS UNIQUE;
CREATE CONSTRAINT kg_synced_graph_iri IF NOT EXISTS FOR (s:SyncedGraph) REQUIRE s.iri IS UNIQUE;
CREATE INDEX kg_episode_number IF NOT EXISTS FOR (n:Episode) ON (n.episodeNumber);
CREATE INDEX kg_paper_identifier IF NOT EXISTS FOR (n:Paper) ON (n.identifier);
CREATE INDEX kg_term_label IF NOT EXISTS FOR (n:Term) ON (n.prefLabel);
CREATE INDEX kg_review_date IF NOT EXISTS FOR (n:Review) ON (n.datePublished);
