/**
 * The protocol messages we read and write, as @grpc/proto-loader hands them over (keepCase, int64 as numbers, enums as
 * names, bytes as Buffers, defaults filled in): generated from pkg/grafana/proto/*.proto by scripts/proto-types.mjs.
 */
export * from './messages.generated';
