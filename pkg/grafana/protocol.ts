import * as protoLoader from '@grpc/proto-loader';
import { loadPackageDefinition, GrpcObject } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { ProtoName, protoSource } from './proto-source';

export type { ProtoName };

/**
 * How @grpc/proto-loader presents messages to the code. pkg/grafana/messages.generated.ts is generated for exactly
 * these (scripts/proto-types.mjs; protocol.test.ts compares them): field names as in the .proto, int64 as numbers,
 * enums as their names, bytes as Buffers, every field present (defaults filled in, absent messages null).
 */
export const LOADER_OPTIONS = {
  keepCase: true,
  // int64 fields hold epoch milliseconds and ids, all far below 2^53.
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} satisfies protoLoader.Options;

/**
 * The protocol the backend serves, from the .proto files in pkg/grafana/proto/: pluginv2 (Grafana's backend plugin
 * protocol, a subset of grafana-plugin-sdk-go's proto/backend.proto), goplugin (go-plugin's controller: Shutdown)
 * and health (gRPC's health service, which go-plugin asks). The files are embedded in the bundles.
 */
export function protocolRoot(name: ProtoName): protobuf.Root {
  return protobuf.parse(protoSource(name), { keepCase: true }).root;
}

/** One .proto file as a gRPC package definition (service definitions by full name, message types). */
export function loadDefinition(name: ProtoName): protoLoader.PackageDefinition {
  return protoLoader.fromJSON(protocolRoot(name).toJSON(), LOADER_OPTIONS);
}

/** One .proto file as a gRPC package object (services' definitions and client constructors by package path). */
export function loadProtocol(name: ProtoName): GrpcObject {
  return loadPackageDefinition(loadDefinition(name));
}
