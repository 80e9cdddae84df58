import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import path from 'path';
import { Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { GENERATED_FOR_LOADER_OPTIONS } from './messages.generated';
import { loadDefinition, loadProtocol, LOADER_OPTIONS, ProtoName, protocolRoot } from './protocol';
import { createServer } from './server';
import { serviceDefinitions } from './services';

const ROOT = path.join(__dirname, '../..');

describe('the protocol, from pkg/grafana/proto/*.proto', () => {
  it('has messages.generated.ts as scripts/proto-types.mjs generates it from the .proto files', () => {
    const generated = execFileSync(process.execPath, [path.join(ROOT, 'scripts/proto-types.mjs'), '--stdout'], {
      encoding: 'utf8',
    });
    // If this fails, run `node scripts/proto-types.mjs` (a .proto file or the generator changed).
    expect(readFileSync(path.join(__dirname, 'messages.generated.ts'), 'utf8')).toBe(generated);
  });

  it('gives proto-loader the options the generated types describe', () => {
    const { longs, enums, ...flags } = LOADER_OPTIONS;
    expect({ ...flags, longs: longs.name, enums: enums.name }).toEqual(GENERATED_FOR_LOADER_OPTIONS);
  });

  it('declares the services and methods Grafana and go-plugin call, with their field numbers', () => {
    const methods = (name: ProtoName) =>
      Object.values(loadDefinition(name))
        .filter((value) => !('format' in value))
        .flatMap((def) =>
          Object.values(def as ServiceDefinition).map((m) => `${m.path}${m.responseStream ? ' (stream)' : ''}`)
        )
        .sort();
    expect(methods('pluginv2')).toEqual([
      '/pluginv2.Data/QueryData',
      '/pluginv2.Diagnostics/CheckHealth',
      '/pluginv2.Diagnostics/CollectMetrics',
      '/pluginv2.Resource/CallResource (stream)',
    ]);
    expect(methods('goplugin')).toEqual(['/plugin.GRPCController/Shutdown']);
    expect(methods('health')).toEqual(['/grpc.health.v1.Health/Check']);
    // A few numbers Grafana's SDK relies on (grafana-plugin-sdk-go proto/backend.proto).
    const root = protocolRoot('pluginv2');
    expect(root.lookupType('pluginv2.QueryDataRequest').fields.format.id).toBe(4);
    expect(root.lookupType('pluginv2.DataResponse').fields.format.id).toBe(6);
    expect(root.lookupType('pluginv2.PluginContext').fields.dataSourceInstanceSettings.id).toBe(5);
  });

  it('decodes bytes as Buffers, int64 as numbers and enums as names, as the generated types say', () => {
    const definition = loadDefinition('pluginv2')['pluginv2.Data'] as ServiceDefinition;
    const method = definition.QueryData;
    const bytes = method.requestSerialize({
      pluginContext: { orgId: 7, dataSourceInstanceSettings: { lastUpdatedMS: 1_700_000_000_000, jsonData: 'e30=' } },
      queries: [{ refId: 'A', json: Buffer.from('{}') }],
      format: 'JSON',
    });
    const decoded = method.requestDeserialize(bytes) as {
      pluginContext: { orgId: number; user: unknown; dataSourceInstanceSettings: { lastUpdatedMS: number } };
      queries: Array<{ json: unknown; timeRange: unknown; intervalMS: number }>;
      format: string;
      headers: object;
    };
    expect(decoded.pluginContext.orgId).toBe(7);
    expect(decoded.pluginContext.user).toBeNull();
    expect(decoded.pluginContext.dataSourceInstanceSettings.lastUpdatedMS).toBe(1_700_000_000_000);
    expect(Buffer.isBuffer(decoded.queries[0].json)).toBe(true);
    expect(decoded.queries[0]).toMatchObject({ timeRange: null, intervalMS: 0 });
    expect(decoded.format).toBe('JSON');
    expect(decoded.headers).toEqual({});
  });

  it('has every method of every service the server adds implemented, and nothing else', () => {
    const added: Array<[ServiceDefinition, UntypedServiceImplementation]> = [];
    const spy = jest
      .spyOn(Server.prototype, 'addService')
      .mockImplementation((service, implementation) => void added.push([service, implementation]));
    try {
      createServer(() => undefined);
    } finally {
      spy.mockRestore();
    }
    const served = added.flatMap(([service, implementation]) => {
      expect(Object.keys(implementation).sort()).toEqual(Object.keys(service).sort());
      return Object.values(service).map((m) => m.path);
    });
    const declared = (['pluginv2', 'goplugin', 'health'] as const).flatMap((name) =>
      Object.values(loadDefinition(name))
        .filter((value) => !('format' in value))
        .flatMap((def) => Object.values(def as ServiceDefinition).map((m) => m.path))
    );
    expect(served.sort()).toEqual(declared.sort());
    // The client constructors are there too, by package path.
    expect(typeof (loadProtocol('health').grpc as Record<string, Record<string, unknown>>).health.v1).toBe('object');
  });

  it("serves messages converted exactly as proto-loader converts them (the server's services are made without it)", () => {
    const samples: Record<string, [object, object]> = {
      '/pluginv2.Data/QueryData': [
        {
          pluginContext: {
            orgId: 7,
            dataSourceInstanceSettings: { lastUpdatedMS: 1_700_000_000_000, jsonData: 'e30=' },
          },
          queries: [{ refId: 'A', json: Buffer.from('{}'), timeRange: { fromEpochMS: 1, toEpochMS: 2 } }],
          headers: { a: 'b' },
          format: 'JSON',
        },
        { responses: { A: { frames: [Buffer.from('x')], status: 200, error: '', format: 'ARROW' } } },
      ],
      '/pluginv2.Diagnostics/CheckHealth': [{ pluginContext: { orgId: 1 } }, { status: 'ERROR', message: 'no' }],
      '/pluginv2.Resource/CallResource': [
        { path: 'stats', method: 'GET' },
        { code: 200, body: Buffer.from('{}') },
      ],
      '/grpc.health.v1.Health/Check': [{ service: 'plugin' }, { status: 'SERVING' }],
    };
    for (const name of ['pluginv2', 'goplugin', 'health'] as const) {
      const ours = serviceDefinitions(name);
      const theirs = loadDefinition(name);
      for (const [serviceName, service] of Object.entries(ours)) {
        const reference = theirs[serviceName] as ServiceDefinition;
        expect(Object.keys(service).sort()).toEqual(Object.keys(reference).sort());
        for (const [methodName, method] of Object.entries(service)) {
          const other = reference[methodName];
          expect([method.path, method.requestStream, method.responseStream]).toEqual([
            other.path,
            other.requestStream,
            other.responseStream,
          ]);
          const [request, response] = samples[method.path] ?? [{}, {}];
          const bytes = method.requestSerialize(request);
          expect(bytes).toEqual(other.requestSerialize(request));
          expect(method.requestDeserialize(bytes)).toEqual(other.requestDeserialize(bytes));
          const answer = method.responseSerialize(response);
          expect(answer).toEqual(other.responseSerialize(response));
          expect(method.responseDeserialize(answer)).toEqual(other.responseDeserialize(answer));
        }
      }
      expect(Object.keys(ours).sort()).toEqual(
        Object.keys(theirs)
          .filter((key) => !('format' in theirs[key]))
          .sort()
      );
    }
  });
});
