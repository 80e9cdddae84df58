#!/usr/bin/env node
/**
 * Generates pkg/grafana/messages.generated.ts, the TypeScript types of the protocol's messages, from the .proto
 * files in pkg/grafana/proto/ (protobufjs's reflection of them), as @grpc/proto-loader presents messages with the
 * options pkg/grafana/protocol.ts gives it (LOADER_OPTIONS): field names as written (keepCase), int64 as numbers
 * (longs: Number), enums as their value names (enums: String), bytes as Buffers, every scalar, repeated and map field
 * present (defaults: true), a message field null when absent. Run it after changing a .proto file;
 * pkg/grafana/protocol.test.ts fails while the file differs from what it generates.
 *
 * Usage: node scripts/proto-types.mjs [--stdout]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import protobuf from 'protobufjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROTO_DIR = join(ROOT, 'pkg', 'grafana', 'proto');
export const OUT = join(ROOT, 'pkg', 'grafana', 'messages.generated.ts');

/** The proto-loader options the types are for; protocol.test.ts compares them with LOADER_OPTIONS. */
const FOR_OPTIONS = { keepCase: true, longs: 'Number', enums: 'String', defaults: true, oneofs: true };

const SCALARS = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  // longs: Number.
  int64: 'number',
  uint64: 'number',
  sint64: 'number',
  fixed64: 'number',
  sfixed64: 'number',
  bool: 'boolean',
  string: 'string',
  // proto-loader decodes bytes as Buffers in Node.
  bytes: 'Buffer',
};

/** The TypeScript name of a message or enum: its full name without the package, nested names run together. */
function typeName(type, pkg) {
  return type.fullName.slice(pkg.length + 2).replace(/\./g, '');
}

/** A proto comment as JSDoc lines at `indent`. */
function doc(comment, indent) {
  if (!comment) {
    return [];
  }
  const lines = comment.replace(/\*\//g, '* /').split('\n');
  return lines.length === 1
    ? [`${indent}/** ${lines[0]} */`]
    : [`${indent}/**`, ...lines.map((l) => `${indent} *${l ? ` ${l}` : ''}`), `${indent} */`];
}

/** The package a reflected object belongs to: the longest namespace path above it that holds no type. */
function packageOf(object) {
  let node = object.parent;
  while (node && (node instanceof protobuf.Type || node instanceof protobuf.Service)) {
    node = node.parent;
  }
  return node.fullName.replace(/^\./, '');
}

function fieldType(field, pkg) {
  field.resolve();
  if (field.resolvedType instanceof protobuf.Enum || field.resolvedType instanceof protobuf.Type) {
    return typeName(field.resolvedType, pkg);
  }
  const scalar = SCALARS[field.type];
  if (!scalar) {
    throw new Error(`${field.fullName}: unsupported type ${field.type}`);
  }
  return scalar;
}

function messageLines(type, pkg) {
  if (type.oneofsArray.length > 0) {
    throw new Error(`${type.fullName}: oneofs are not supported by this generator`);
  }
  const lines = [...doc(type.comment, ''), `export interface ${typeName(type, pkg)} {`];
  for (const field of type.fieldsArray) {
    lines.push(...doc(field.comment, '  '));
    const value = fieldType(field, pkg);
    if (field instanceof protobuf.MapField) {
      // Map keys are object keys: strings, whatever their proto type.
      lines.push(`  ${field.name}: Record<string, ${value}>;`);
    } else if (field.repeated) {
      lines.push(`  ${field.name}: ${value}[];`);
    } else if (field.resolvedType instanceof protobuf.Type) {
      // An absent message is null (defaults: true); callers in process may leave it out.
      lines.push(`  ${field.name}?: ${value} | null;`);
    } else {
      lines.push(`  ${field.name}: ${value};`);
    }
  }
  lines.push('}');
  return lines;
}

function enumLines(type, pkg) {
  const names = Object.keys(type.values).map((v) => `'${v}'`);
  return [...doc(type.comment, ''), `export type ${typeName(type, pkg)} = ${names.join(' | ')};`];
}

function serviceLines(service, pkg) {
  const lines = [...doc(service.comment, ''), `export interface ${service.name}Service {`];
  for (const method of service.methodsArray) {
    method.resolve();
    const request = typeName(method.resolvedRequestType, pkg);
    const response = typeName(method.resolvedResponseType, pkg);
    lines.push(
      ...doc(method.comment, '  '),
      `  ${method.name}: { request: ${request}; response: ${response}; ` +
        `requestStream: ${Boolean(method.requestStream)}; responseStream: ${Boolean(method.responseStream)} };`
    );
  }
  lines.push('}');
  return lines;
}

/** Every message, enum and service in a namespace, depth first, in declaration order. */
function* declarations(namespace) {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum || nested instanceof protobuf.Service) {
      yield nested;
    }
    if (nested instanceof protobuf.Namespace) {
      yield* declarations(nested);
    }
  }
}

/** The generated file's text, formatted by the repository's prettier settings. */
export async function generate() {
  const files = readdirSync(PROTO_DIR)
    .filter((f) => f.endsWith('.proto'))
    .sort();
  const out = [
    `// Generated by scripts/proto-types.mjs from ${relative(ROOT, PROTO_DIR)}/*.proto: do not edit, run`,
    '// `node scripts/proto-types.mjs` after changing a .proto file (pkg/grafana/protocol.test.ts checks it).',
    '//',
    "// The protocol's messages as @grpc/proto-loader presents them with LOADER_OPTIONS (pkg/grafana/protocol.ts):",
    '// field names as in the .proto, int64 as numbers, enums as value names, bytes as Buffers, every scalar,',
    '// repeated and map field present; a message field is null when absent. `<Service>Service` lists the methods of',
    '// a service with their request and response types.',
    '',
    '/** The proto-loader options these types describe. */',
    `export const GENERATED_FOR_LOADER_OPTIONS = ${JSON.stringify(FOR_OPTIONS)} as const;`,
  ];
  const seen = new Map();
  for (const file of files) {
    const root = protobuf.parse(readFileSync(join(PROTO_DIR, file), 'utf8'), {
      keepCase: FOR_OPTIONS.keepCase,
      alternateCommentMode: true,
    }).root;
    root.resolveAll();
    for (const decl of declarations(root)) {
      const pkg = packageOf(decl);
      const name = decl instanceof protobuf.Service ? `${decl.name}Service` : typeName(decl, pkg);
      if (seen.has(name)) {
        throw new Error(`${decl.fullName} and ${seen.get(name)} would both be ${name}`);
      }
      seen.set(name, decl.fullName);
      out.push('');
      out.push(`// ${file}: ${decl.fullName.replace(/^\./, '')}`);
      if (decl instanceof protobuf.Type) {
        out.push(...messageLines(decl, pkg));
      } else if (decl instanceof protobuf.Enum) {
        out.push(...enumLines(decl, pkg));
      } else {
        out.push(...serviceLines(decl, pkg));
      }
    }
  }
  const options = await prettier.resolveConfig(OUT);
  return prettier.format(out.join('\n') + '\n', { ...options, filepath: OUT });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await generate();
  if (process.argv.includes('--stdout')) {
    process.stdout.write(text);
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${relative(ROOT, OUT)}`);
  }
}
