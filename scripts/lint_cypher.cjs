#!/usr/bin/env node
// Lints Cypher statements with Neo4j's own linter (@neo4j-cypher/language-support, lintCypherQuery).
//
// Input (stdin, JSON):
//   {"schema": {"labels": [...], "relationshipTypes": [...]},
//    "statements": [{"name": "episode.cypher", "text": "MATCH ...", "parameters": ["e"]}]}
// Output (stdout, JSON): [{"name": ..., "diagnostics": [{"severity", "line", "character", "message"}]}]
//
// Every statement is checked against a schema in which
//  * only the parameters the statement declares exist (an undeclared $param is an error),
//  * only the labels and relationship types of the ontology mapping exist (others are warnings),
//  * only Neo4j's built-in functions exist (the catalogue the package ships, without APOC/GDS),
//  * no procedures exist (the project calls none).
// Used by tests/test_cypher_lint.py; run by hand: node scripts/lint_cypher.cjs < request.json
'use strict';

const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const ls = require(require.resolve('@neo4j-cypher/language-support', { paths: [root] }));

function builtInFunctions() {
  const out = {};
  for (const [version, registry] of Object.entries(ls.testData.mockSchema.functions)) {
    out[version] = Object.fromEntries(Object.entries(registry).filter(([, fn]) => fn.isBuiltIn));
  }
  return out;
}

function main() {
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  const functions = builtInFunctions();
  const procedures = Object.fromEntries(Object.keys(functions).map((v) => [v, {}]));
  const results = request.statements.map((st) => {
    const schema = {
      labels: request.schema.labels,
      relationshipTypes: request.schema.relationshipTypes,
      parameters: Object.fromEntries((st.parameters || []).map((p) => [p, null])),
      functions,
      procedures,
    };
    const diagnostics = ls.lintCypherQuery(st.text, schema).map((d) => ({
      severity: d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'info',
      line: d.range.start.line + 1,
      character: d.range.start.character + 1,
      message: d.message,
    }));
    return { name: st.name, diagnostics };
  });
  process.stdout.write(JSON.stringify(results));
}

main();
