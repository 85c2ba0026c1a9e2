#!/usr/bin/env node
// Prints the closing line CI reads: "N passed, N failed[, N skipped]", from jest's --json output.
// A run whose static checks failed before jest ran has no results file: that is one failure.
const fs = require('node:fs');
const file = process.argv[2] || '.jest-results.json';
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
// A suite that failed to load has no test results but is a failure all the same.
const brokenSuites = (r.testResults || []).filter(
  (s) => s.status === 'failed' && (s.assertionResults || []).length === 0,
).length;
const failed = r.numFailedTests + brokenSuites;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
