"""paperdive-kg: the knowledge graph and glossary of "AI Papers: A Deep Dive".

The library flows one way: sources are parsed into records (``kg.parsers``),
records are mapped to RDF (``kg.rdf``), RDF is loaded into a store
(``kg.store``) and queried by the app, the CLI and the exports.
"""

__version__ = "0.1.0"
