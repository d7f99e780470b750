// Jest transformer: strip TypeScript types the same way Node 24 runs our sources,
// so tests execute exactly the code production executes.
const { stripTypeScriptTypes } = require('node:module');

module.exports = {
  process(sourceText) {
    return { code: stripTypeScriptTypes(sourceText, { mode: 'strip' }) };
  },
};
