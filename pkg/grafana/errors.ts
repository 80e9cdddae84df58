import { QueryError } from '../engine/errors';
import { QueryInterrupted } from '../engine/interrupt';
import { InvalidInputError } from '../model/validate';
import { SourceError } from '../sources/files';
import { RemoteError } from './remote';
import { ClickHouseError } from '../clickhouse/client';

/** How Grafana should see a failure: an HTTP-like status, whose fault it is, and a message for people. */
export interface Failure {
  status: number;
  source: 'plugin' | 'downstream';
  message: string;
}

/**
 * Bad queries and settings (400), missing or unreadable logs (404/403) and a ClickHouse that cannot answer
 * (503) are the user's to fix
 * ("downstream" in Grafana's terms); anything else is our bug (500, "plugin").
 */
export function classify(error: unknown): Failure {
  if (error instanceof QueryInterrupted) {
    // Stopped at its deadline (504, Grafana's timeout status) or because Grafana cancelled the call (nobody reads it).
    return { status: error.reason === 'timeout' ? 504 : 503, source: 'downstream', message: error.message };
  }
  if (error instanceof QueryError || error instanceof InvalidInputError) {
    return { status: 400, source: 'downstream', message: error.message };
  }
  if (error instanceof RemoteError) {
    return { status: error.status, source: 'downstream', message: error.message };
  }
  if (error instanceof ClickHouseError) {
    // Unreachable, refused, no table: fixed in the settings or on the server (ClickHouseInstance names how).
    return { status: 503, source: 'downstream', message: error.message };
  }
  if (error instanceof SourceError) {
    return { status: 404, source: 'downstream', message: error.message };
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    const path = (error as NodeJS.ErrnoException).path ?? '';
    return { status: 403, source: 'downstream', message: `cannot read ${path}: permission denied for Grafana's user` };
  }
  if (code === 'ENOENT') {
    return {
      status: 404,
      source: 'downstream',
      message: `no such file: ${(error as NodeJS.ErrnoException).path ?? ''}`,
    };
  }
  return { status: 500, source: 'plugin', message: error instanceof Error ? error.message : String(error) };
}
