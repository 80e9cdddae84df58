/**
 * A minimal ClickHouse HTTP client: SQL POSTed with Node's http module, no dependency. 18.16 and current servers
 * speak the same HTTP interface (query in the body or in `?query=`, settings as URL parameters, errors as text with
 * `Code: N`). Not fetch: sending a 16 MB insert body took fetch 66-100 ms of CPU, http.request 4 ms (measured).
 */
import http from 'http';
import https from 'https';
import { StringDecoder } from 'string_decoder';

/** A ClickHouse failure with a message a user can act on. */
export class ClickHouseError extends Error {
  constructor(
    message: string,
    /** ClickHouse's error code, when the server answered with one. */
    readonly code?: number
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** http(s)://[user[:password]@]host:port — user and password in the URL are used unless given here. */
  url: string;
  user?: string;
  password?: string;
  /** How long a request may go without a byte either way; default 5 minutes (a large insert may take a while). */
  timeoutMs?: number;
}

/** Error codes we explain: user or password refused (18.16: 192-194; current: 516), unknown table / database. */
const AUTHENTICATION_FAILED = [192, 193, 194, 516];
const UNKNOWN_TABLE = 60;
const UNKNOWN_DATABASE = 81;
/**
 * How ClickHouse says a query failed after its first rows were sent: 18.16 appends `Code: N, …` to the body; 23.9
 * to 25.10 (http_write_exception_in_output_format) write a JSONEachRow line `{"exception": "Code: N …"}`; 25.11 and
 * later a `__exception__` block (docs/clickhouse-dialect.md).
 */
const SERVER_ERROR = /^(Code: \d+[.,] |\{"exception":|__exception__)/;

/** The server's message in a failed answer's text (the `exception` of a JSON one), for explain(). */
function errorText(text: string): string {
  const json = /^\{"exception":\s*("(?:[^"\\]|\\.)*")/.exec(text.trim());
  return json ? (JSON.parse(json[1]) as string) : text.trim().replace(/^__exception__\s*/, '');
}

export class ClickHouseClient {
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  /** The URL without credentials, for messages. */
  readonly where: string;

  constructor(options: ClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new ClickHouseError(`--clickhouse ${options.url} is not a URL (e.g. http://127.0.0.1:8123)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ClickHouseError(`--clickhouse ${options.url}: use http:// or https:// (the HTTP interface)`);
    }
    const user = options.user ?? (decodeURIComponent(url.username) || 'default');
    const password = options.password ?? decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    this.base = url;
    this.where = url.origin;
    // X-ClickHouse-* headers: understood by 18.16 and current servers, and they keep secrets out of URLs and logs.
    this.headers = { 'X-ClickHouse-User': user };
    if (password) {
      this.headers['X-ClickHouse-Key'] = password;
    }
    this.timeoutMs = options.timeoutMs ?? 300_000;
  }

  /** Runs a statement; returns the response body (text). `body`: data for an INSERT whose SQL is `sql` (or its parts). */
  async exec(
    sql: string,
    options: { body?: string | Uint8Array | Uint8Array[]; settings?: Record<string, string | number> } = {}
  ) {
    const url = this.urlWith(options.settings);
    // With a body the SQL goes in the URL (the body is the data), else the SQL is the body.
    if (options.body !== undefined) {
      url.searchParams.set('query', sql);
    }
    const body = options.body ?? sql;
    let response: { status: number; text: string };
    try {
      response = await this.post(url, body);
    } catch (error) {
      throw this.unreachable(error);
    }
    if (response.status !== 200) {
      throw explain(response.text, this.where);
    }
    return response.text;
  }

  /**
   * The lines of a SELECT's answer as they arrive (give it a line format, e.g. FORMAT JSONEachRow), for answers too
   * big to hold: the response is read only as fast as the caller takes lines, so memory stays bounded whatever its
   * size. A server error after the first rows (ClickHouse then appends `Code: N, …` to the body) is thrown.
   */
  async *lines(sql: string, settings?: Record<string, string | number>): AsyncGenerator<string> {
    let response: http.IncomingMessage;
    try {
      response = await this.open(this.urlWith(settings), [Buffer.from(sql)]);
    } catch (error) {
      throw this.unreachable(error);
    }
    try {
      if (response.statusCode !== 200) {
        const answer: Buffer[] = [];
        for await (const part of response as AsyncIterable<Buffer>) {
          answer.push(part);
        }
        throw explain(Buffer.concat(answer).toString(), this.where);
      }
      const decoder = new StringDecoder('utf8');
      let rest = '';
      // From the line that says the query failed on, the server's message (it may follow on the next lines).
      let failure: string | null = null;
      try {
        for await (const part of response as AsyncIterable<Buffer>) {
          if (failure !== null) {
            failure += decoder.write(part);
            if (failure.length > 65536) {
              break;
            }
            continue;
          }
          const lines = (rest + decoder.write(part)).split('\n');
          rest = lines.pop()!;
          for (let i = 0; i < lines.length; i++) {
            if (SERVER_ERROR.test(lines[i])) {
              failure = [...lines.slice(i), rest].join('\n');
              break;
            }
            yield lines[i];
          }
        }
      } catch (error) {
        throw error instanceof ClickHouseError ? error : this.unreachable(error, 'stopped answering');
      }
      if (failure !== null) {
        throw explain(errorText(failure), this.where);
      }
      rest += decoder.end();
      if (SERVER_ERROR.test(rest)) {
        throw explain(errorText(rest), this.where);
      }
      if (rest !== '') {
        yield rest;
      }
    } finally {
      // Also when the caller stops early: the server stops sending.
      response.destroy();
    }
  }

  /** The server's URL with these settings as URL parameters. */
  private urlWith(settings: Record<string, string | number> = {}): URL {
    const url = new URL(this.base);
    for (const [name, value] of Object.entries(settings)) {
      url.searchParams.set(name, String(value));
    }
    return url;
  }

  /** A request that got no (complete) answer, said as a ClickHouseError. */
  private unreachable(error: unknown, what = 'is unreachable'): ClickHouseError {
    return new ClickHouseError(
      `ClickHouse at ${this.where} ${what} (${describeFailure(error)}): is the server running?`
    );
  }

  /** One POST with a Content-Length body (sent part by part); resolves with the status and the body as text. */
  private async post(url: URL, body: string | Uint8Array | Uint8Array[]): Promise<{ status: number; text: string }> {
    const parts = typeof body === 'string' ? [Buffer.from(body)] : Array.isArray(body) ? body : [body];
    const response = await this.open(url, parts);
    return new Promise((resolve, reject) => {
      const answer: Buffer[] = [];
      response.on('data', (part: Buffer) => answer.push(part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(answer).toString() }));
      response.on('error', reject);
    });
  }

  /** Sends one POST; resolves with the response once its head has arrived (its body not yet read). */
  private open(url: URL, parts: Uint8Array[]): Promise<http.IncomingMessage> {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        url,
        { method: 'POST', headers: { ...this.headers, 'Content-Length': length }, timeout: this.timeoutMs },
        resolve
      );
      request.on('timeout', () =>
        request.destroy(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' }))
      );
      request.on('error', reject);
      for (const part of parts) {
        request.write(part);
      }
      request.end();
    });
  }

  /** Rows of a SELECT, as objects (FORMAT JSON; 64-bit integers as numbers, exact below 2^53); `settings`: for this query. */
  async query<T = Record<string, unknown>>(sql: string, settings?: Record<string, string | number>): Promise<T[]> {
    const text = await this.exec(`${sql} FORMAT JSON`, {
      settings: { ...settings, output_format_json_quote_64bit_integers: 0 },
    });
    // A query that fails while answering still gets status 200 on current ClickHouse: the error is in the body (an
    // `exception` key of the JSON, or text after it), never to be read as an empty answer.
    let parsed: { data?: T[]; exception?: string };
    try {
      parsed = JSON.parse(text) as { data?: T[]; exception?: string };
    } catch {
      const at = text.search(/__exception__|Code: \d+/);
      throw explain(errorText(at >= 0 ? text.slice(at) : text), this.where);
    }
    if (typeof parsed.exception === 'string' || !Array.isArray(parsed.data)) {
      throw explain(parsed.exception ?? 'the answer has no data', this.where);
    }
    return parsed.data;
  }
}

/** Why a request got no answer: the system error code (ECONNREFUSED...) or a timeout. */
function describeFailure(error: unknown): string {
  const { name, code, errors } = error as Error & { code?: string; errors?: Array<{ code?: string }> };
  if (name === 'TimeoutError') {
    return 'no answer in time';
  }
  return code ?? errors?.[0]?.code ?? (error as Error).message;
}

/** A server error as a ClickHouseError, naming the fix for the common ones. */
function explain(text: string, where: string): ClickHouseError {
  const code = Number(/Code: (\d+)/.exec(text)?.[1] ?? NaN);
  const first = text.trim().split('\n')[0].slice(0, 500);
  if (AUTHENTICATION_FAILED.includes(code)) {
    return new ClickHouseError(
      `ClickHouse at ${where} refused the user or password: give them in the URL (http://user:pass@host:8123), ` +
        `--clickhouse-user or INFERENCE_LOGS_CLICKHOUSE_PASSWORD`,
      code
    );
  }
  if (code === UNKNOWN_TABLE || code === UNKNOWN_DATABASE) {
    return new ClickHouseError(`${first} — create the tables first: inference-logs clickhouse init`, code);
  }
  return new ClickHouseError(`ClickHouse at ${where}: ${first}`, Number.isNaN(code) ? undefined : code);
}
