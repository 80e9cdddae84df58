/**
 * Logs as go-plugin reads a plugin's stderr: one hclog JSON object a line, with string `@level`,
 * `@message` and `@timestamp` (six fractional digits, or Grafana falls back to a raw debug line).
 * stdout belongs to the handshake and is never written to.
 */
export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

function timestamp(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const line: Record<string, unknown> = { '@level': level, '@message': message, '@timestamp': timestamp() };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) {
      line[key] = value;
    }
  }
  process.stderr.write(JSON.stringify(line) + '\n');
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => log('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => log('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => log('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => log('error', message, fields),
};
