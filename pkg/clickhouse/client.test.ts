/** The HTTP client against a real server with a password: where credentials come from, and errors that name the fix. */
import { ClickHouseServer, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { clientOf } from '../cli/clickhouse';
import { ClickHouseClient, ClickHouseError } from './client';

jest.setTimeout(60_000);

describe('ClickHouse client', () => {
  let server: ClickHouseServer;
  beforeAll(async () => {
    server = await startClickHouse({ password: 's3cret' });
  });
  afterAll(async () => {
    if (server) {
      await stopClickHouse(server);
    }
  });

  test('user and password from the URL', async () => {
    const url = server.url.replace('http://', 'http://default:s3cret@');
    expect(await new ClickHouseClient({ url }).query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  test('--clickhouse-user and INFERENCE_LOGS_CLICKHOUSE_PASSWORD', async () => {
    process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD = 's3cret';
    try {
      const client = clientOf({ clickhouse: server.url, clickhouseUser: 'default', database: 'default', table: 't' });
      expect(await client.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    } finally {
      delete process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD;
    }
  });

  test('a wrong or missing password is told as such', async () => {
    const wrong = new ClickHouseClient({ url: server.url.replace('http://', 'http://default:nope@') });
    await expect(wrong.query('SELECT 1')).rejects.toThrow(/refused the user or password/);
    await expect(new ClickHouseClient({ url: server.url }).query('SELECT 1')).rejects.toThrow(/refused/);
  });

  test('not an http URL', () => {
    expect(() => new ClickHouseClient({ url: 'clickhouse://x' })).toThrow(/http/);
  });
});

describe('ClickHouse client: streamed lines', () => {
  let server: ClickHouseServer;
  let client: ClickHouseClient;
  beforeAll(async () => {
    server = await startClickHouse();
    client = new ClickHouseClient({ url: server.url });
  });
  afterAll(async () => {
    if (server) {
      await stopClickHouse(server);
    }
  });

  test('gives every line of a large answer, in order', async () => {
    let count = 0;
    let ordered = true;
    for await (const line of client.lines('SELECT number AS n FROM system.numbers LIMIT 300000 FORMAT JSONEachRow')) {
      ordered &&= Number((JSON.parse(line) as { n: string }).n) === count;
      count++;
    }
    expect(count).toBe(300000);
    expect(ordered).toBe(true);
  });

  test('stops the query when the caller stops reading', async () => {
    let count = 0;
    for await (const line of client.lines('SELECT number FROM system.numbers FORMAT TabSeparated')) {
      expect(line).toBe(String(count));
      if (++count === 1000) {
        break;
      }
    }
    expect(await client.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  test('a failing query, before or after its first rows, is a ClickHouseError', async () => {
    let seen = 0;
    const read = async (sql: string, settings?: Record<string, number>) => {
      seen = 0;
      for await (const line of client.lines(sql, settings)) {
        seen += line ? 1 : 0;
      }
    };
    await expect(read('SELECT nosuch FORMAT JSONEachRow')).rejects.toThrow(ClickHouseError);
    expect(seen).toBe(0);
    // Failing at row 200,000: the rows before it were sent with status 200, then the error text.
    await expect(
      read('SELECT throwIf(number = 200000) AS x FROM system.numbers LIMIT 300000 FORMAT JSONEachRow', {
        max_block_size: 1000,
      })
    ).rejects.toThrow(/Code: 395/);
    expect(seen).toBeGreaterThan(0);
  });
});

/**
 * How newer ClickHouse says a query failed while answering, with status 200 (docs/clickhouse-dialect.md): 23.9 to
 * 25.10 put an `exception` key in the JSON (or a `{"exception": …}` line in JSONEachRow), 25.11 and later a
 * `__exception__` block. Only 18.16 runs here, so these answers are replayed by a local HTTP server.
 */
describe('ClickHouse client: errors inside a 200 answer (current releases)', () => {
  const answers: Record<string, string> = {
    json: '{"meta": [{"name": "x", "type": "UInt64"}], "data": [{"x": 1}], "rows": 1, "exception": "Code: 395. DB::Exception: Value passed to \'throwIf\' function is non-zero"}',
    block:
      '{"meta": [{"name": "x", "type": "UInt64"}], "data": [\n__exception__\nCode: 241. DB::Exception: Memory limit exceeded\n',
    lines: '{"x":1}\n{"x":2}\n{"exception": "Code: 159. DB::Exception: Timeout exceeded"}\n',
    newLines: '{"x":1}\n__exception__\nCode: 159. DB::Exception: Timeout exceeded\n',
  };
  let server: import('http').Server;
  let url: string;
  beforeAll(async () => {
    const http = await import('http');
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (d: Buffer) => (body += d.toString()));
      request.on('end', () => {
        const which = /-- (\w+)/.exec(body)?.[1] ?? 'json';
        response.writeHead(200, { 'Content-Type': 'text/plain' }).end(answers[which]);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as import('net').AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('an exception key in the JSON answer is an error, not partial rows', async () => {
    const client = new ClickHouseClient({ url });
    await expect(client.query('SELECT 1 -- json')).rejects.toThrow(/Code: 395\. DB::Exception: Value passed/);
    await expect(client.query('SELECT 1 -- block')).rejects.toThrow(/Code: 241\. DB::Exception: Memory limit/);
  });

  test('an exception line in a streamed answer is an error after the rows before it', async () => {
    const client = new ClickHouseClient({ url });
    for (const which of ['lines', 'newLines']) {
      const got: string[] = [];
      const read = async () => {
        for await (const line of client.lines(`SELECT 1 -- ${which}`)) {
          got.push(line);
        }
      };
      await expect(read()).rejects.toThrow(/Code: 159\. DB::Exception: Timeout exceeded/);
      expect(got).toEqual(which === 'lines' ? ['{"x":1}', '{"x":2}'] : ['{"x":1}']);
    }
  });
});
