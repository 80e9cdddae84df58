/**
 * An esbuild plugin for the bundles (the CLI, the backend executable): the protocol's .proto files
 * (pkg/grafana/proto/*.proto) are read at build time and embedded, in place of pkg/grafana/proto-source.ts, which
 * reads them from disk in development; a single executable cannot read files beside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PROTO_DIR = join(ROOT, 'pkg', 'grafana', 'proto');

export function embeddedProto() {
  const files = readdirSync(PROTO_DIR).filter((f) => f.endsWith('.proto'));
  const texts = Object.fromEntries(
    files.map((f) => [f.slice(0, -'.proto'.length), readFileSync(join(PROTO_DIR, f), 'utf8')])
  );
  return {
    name: 'embedded-proto',
    setup(b) {
      b.onResolve({ filter: /[\\/]proto-source$/ }, (a) => ({ path: a.path, namespace: 'embedded-proto' }));
      b.onLoad({ filter: /.*/, namespace: 'embedded-proto' }, () => ({
        contents:
          `const TEXTS = ${JSON.stringify(texts)};\n` +
          'export function protoSource(name) {\n' +
          '  if (!Object.prototype.hasOwnProperty.call(TEXTS, name)) throw new Error(`no embedded ${name}.proto`);\n' +
          '  return TEXTS[name];\n' +
          '}\n',
        loader: 'js',
        watchFiles: files.map((f) => join(PROTO_DIR, f)),
      }));
    },
  };
}
