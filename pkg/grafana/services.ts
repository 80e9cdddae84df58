import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { Options } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { ProtoName, protoSource } from './proto-source';

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
} satisfies Options;

/**
 * The protocol the backend serves, from the .proto files in pkg/grafana/proto/: pluginv2 (Grafana's backend plugin
 * protocol, a subset of grafana-plugin-sdk-go's proto/backend.proto), goplugin (go-plugin's controller: Shutdown)
 * and health (gRPC's health service, which go-plugin asks). The files are embedded in the bundles.
 */
export function protocolRoot(name: ProtoName): protobuf.Root {
  return protobuf.parse(protoSource(name), { keepCase: true }).root;
}

/**
 * The services of one .proto file by full name ('pluginv2.Data'), as the server adds them: methods whose messages
 * are converted exactly as proto-loader converts them with LOADER_OPTIONS (protocol.test.ts compares the two), made
 * here without proto-loader, whose descriptor machinery cost about a fifth of the backend's start before the handshake.
 */
export function serviceDefinitions(name: ProtoName): Record<string, ServiceDefinition> {
  const root = protocolRoot(name);
  root.resolveAll();
  const serialize = (type: protobuf.Type) => (value: object) =>
    Buffer.from(type.encode(type.fromObject(value)).finish());
  const deserialize = (type: protobuf.Type) => (bytes: Buffer) => type.toObject(type.decode(bytes), LOADER_OPTIONS);
  const services: Record<string, ServiceDefinition> = {};
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Service) {
        const serviceName = nested.fullName.slice(1);
        const methods: Record<string, MethodDefinition<object, object>> = {};
        for (const method of nested.methodsArray) {
          const request = method.resolvedRequestType!;
          const response = method.resolvedResponseType!;
          methods[method.name] = {
            path: `/${serviceName}/${method.name}`,
            requestStream: Boolean(method.requestStream),
            responseStream: Boolean(method.responseStream),
            requestSerialize: serialize(request),
            requestDeserialize: deserialize(request),
            responseSerialize: serialize(response),
            responseDeserialize: deserialize(response),
          };
        }
        services[serviceName] = methods;
      } else if (nested instanceof protobuf.Namespace) {
        visit(nested);
      }
    }
  };
  visit(root);
  return services;
}
