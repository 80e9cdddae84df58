/** The HTTP client against a real server with a password: where credentials come from, and errors that name the fix. */
import { ClickHouseServer, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { clientOf } from '../cli/clickhouse';
import { ClickHouseClient } from './client';

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
