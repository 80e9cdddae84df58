import { readFileSync } from 'fs';
import { join } from 'path';

/** The .proto files of the protocol the backend serves, in pkg/grafana/proto/. */
export type ProtoName = 'pluginv2' | 'goplugin' | 'health';

/**
 * The text of pkg/grafana/proto/<name>.proto, read from beside this module in development (tsx, jest). A single
 * executable cannot read files beside it: the bundles replace this module by one that returns the files' text read
 * at build time (scripts/embedded-proto.mjs).
 */
export function protoSource(name: ProtoName): string {
  return readFileSync(join(__dirname, 'proto', `${name}.proto`), 'utf8');
}
