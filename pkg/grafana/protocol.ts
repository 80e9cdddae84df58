import * as protoLoader from '@grpc/proto-loader';
import { loadPackageDefinition, GrpcObject } from '@grpc/grpc-js';
import type { ProtoName } from './proto-source';
import { LOADER_OPTIONS, protocolRoot } from './services';

export type { ProtoName };
export { LOADER_OPTIONS, protocolRoot };

/*
 * The protocol through @grpc/proto-loader, for clients (tests, the plugin host's checks) and to check the server's
 * services (services.ts) against: the server itself does not load proto-loader.
 */

/** One .proto file as a gRPC package definition (service definitions by full name, message types). */
export function loadDefinition(name: ProtoName): protoLoader.PackageDefinition {
  return protoLoader.fromJSON(protocolRoot(name).toJSON(), LOADER_OPTIONS);
}

/** One .proto file as a gRPC package object (services' definitions and client constructors by package path). */
export function loadProtocol(name: ProtoName): GrpcObject {
  return loadPackageDefinition(loadDefinition(name));
}
