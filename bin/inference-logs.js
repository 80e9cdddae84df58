#!/usr/bin/env node
// The CLI runs from its TypeScript sources through tsx's loader, so no build step is needed.
require('tsx/cjs');
const { main } = require('../pkg/cli/main.ts');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
