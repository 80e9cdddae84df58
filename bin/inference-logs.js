#!/usr/bin/env node
// The CLI as built JavaScript (build/cli, made by `npm ci` through the prepare script, or `npm run build:cli`).
const path = require('path');

const bundle = path.join(__dirname, '..', 'build', 'cli', 'inference-logs.js');
let cli;
try {
  cli = require(bundle);
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes(bundle)) {
    throw error;
  }
  process.stderr.write(
    'inference-logs: error: the CLI is not built: run `npm ci` (it builds it) or `npm run build:cli`\n'
  );
  process.exit(1);
}
cli.main(process.argv.slice(2)).then(cli.finish);
