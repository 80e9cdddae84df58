import { execFile } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { promisify } from 'util';

/*
 * jest.config.js runs every test in UTC, where a time without a zone reads the same as local time or as
 * UTC, which hides the difference; and a test cannot change the zone of its own jest worker. So the
 * backend's resources run here in a child process in New York, 5 hours behind UTC in November:
 * 2026-11-27T10:00:00 read as local time would be 15:00 UTC.
 */
const ZONE = 'America/New_York';

const line = (t: string, model = 'a') =>
  JSON.stringify({ timestamp: t, request_id: `r-${t}`, model, latency_ms: 10, status: 'success' }) + '\n';

/** Calls each resource path in the backend and prints the answers as JSON, with the zone it ran in. */
const CHILD = `
import { InstanceManager } from ${JSON.stringify(path.join(__dirname, 'instances'))};
import { callResource } from ${JSON.stringify(path.join(__dirname, 'resources'))};

async function main(): Promise<void> {
  const [dir, ...urls] = process.argv.slice(2);
  const instances = new InstanceManager();
  const pluginContext = {
    orgId: 1,
    pluginId: 'inferencelog-analytics-datasource',
    grafanaConfig: {},
    pluginVersion: '0.1.0',
    dataSourceInstanceSettings: {
      id: 1, uid: 'ds1', name: 'logs', url: '', lastUpdatedMS: 1, decryptedSecureJsonData: {},
      jsonData: Buffer.from(JSON.stringify({ paths: [dir] })),
    },
  };
  const answers: Record<string, { code: number; body: string; headers: unknown }> = {};
  for (const url of urls) {
    const request = { pluginContext, path: url.split('?')[0], method: 'GET', url, headers: {}, body: Buffer.alloc(0) };
    const response = await callResource(request, instances);
    answers[url] = { code: response.code, body: response.body.toString(), headers: response.headers };
  }
  const localTen = new Date(2026, 10, 27, 10).toISOString();
  // The instance follows the logs live: exit once the answers are out.
  process.stdout.write(JSON.stringify({ localTen, answers }), () => process.exit(0));
}
void main();
`;

const REPORT = 'report.html?from=2026-11-27T10:00:00&to=2026-11-27T14:59:59';
const EXPORT = 'export.csv?from=2026-11-27T10:00:00';
const RELATIVE = 'export.csv?from=now-1h';
const REVERSED = 'export.csv?from=2026-11-27T12:00:00&to=2026-11-27T10:00:00';
const FORMULAS = 'export.csv?to=2026-11-27T09:00:00';
const FORMULAS_KEPT = 'export.csv?to=2026-11-27T09:00:00&formulas=keep';

let dir: string;
let ran: { localTen: string; answers: Record<string, { code: number; body: string; headers: unknown }> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'resources-'));
  // Two requests before 10:00 UTC, three from 10:00 to 14:59 UTC, one at 16:00 UTC.
  const times = ['08:00', '09:59', '10:00', '12:00', '14:59', '16:00'];
  // And one at 08:30 UTC whose model a spreadsheet would run as a formula.
  const lines = times.map((hm) => line(`2026-11-27T${hm}:00Z`));
  writeFileSync(path.join(dir, 'app.log'), [...lines, line('2026-11-27T08:30:00Z', '=1+1')].join(''));
  const script = path.join(dir, 'child.ts');
  writeFileSync(script, CHILD);
  const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const { stdout } = await promisify(execFile)(
    tsx,
    [script, dir, REPORT, EXPORT, RELATIVE, REVERSED, FORMULAS, FORMULAS_KEPT],
    {
      env: { ...process.env, TZ: ZONE },
      encoding: 'utf8',
    }
  );
  ran = JSON.parse(stdout);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The number a report shows for a `data-key`. */
function reported(html: string, key: string): number {
  const match = new RegExp(`data-key="${key}" data-value="([^"]+)"`).exec(html);
  return Number(match?.[1]);
}

describe('backend resources outside UTC', () => {
  it('really ran in New York time, where 10:00 local is 15:00 UTC', () => {
    expect(ran.localTen).toBe('2026-11-27T15:00:00.000Z');
  });

  it('reads report.html?from= without a zone as UTC, as the CLI and the proxy do', () => {
    const { code, body } = ran.answers[REPORT];
    expect(code).toBe(200);
    expect(body).toContain('Range: 2026-11-27 10:00:00 to 2026-11-27 14:59:59 UTC');
    expect(reported(body, 'requests')).toBe(3);
    expect(ran.answers[REPORT].headers).toMatchObject({
      'Content-Type': { values: ['text/html; charset=utf-8'] },
      'Content-Security-Policy': { values: [expect.stringMatching(/^default-src 'none'; style-src 'unsafe-inline';/)] },
      'X-Content-Type-Options': { values: ['nosniff'] },
      'Referrer-Policy': { values: ['no-referrer'] },
    });
  });

  it('reads export.csv?from= without a zone as UTC too', () => {
    const { code, body } = ran.answers[EXPORT];
    expect(code).toBe(200);
    const rows = body.split('\r\n').filter(Boolean).slice(1);
    expect(rows.map((row) => row.slice(0, 19))).toEqual([
      '2026-11-27T10:00:00',
      '2026-11-27T12:00:00',
      '2026-11-27T14:59:00',
      '2026-11-27T16:00:00',
    ]);
  });

  it('takes now-relative times, and answers a range that ends before it starts with 400', () => {
    expect(ran.answers[RELATIVE].code).toBe(200);
    expect(ran.answers[REVERSED]).toMatchObject({
      code: 400,
      body: JSON.stringify({ message: 'the time range ends before it starts' }),
    });
  });

  it("export.csv neutralises formula text with a leading ', and formulas=keep writes it as it is", () => {
    const models = (url: string) => {
      const [header, ...rows] = ran.answers[url].body.split('\r\n').filter(Boolean);
      const model = header.split(',').indexOf('model');
      return rows.map((row) => row.split(',')[model]);
    };
    expect(models(FORMULAS)).toEqual(['a', "'=1+1"]);
    expect(models(FORMULAS_KEPT)).toEqual(['a', '=1+1']);
  });
});
