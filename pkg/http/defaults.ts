/**
 * The proxy's defaults, apart from the server so that the CLI can show them in `serve --help` without loading
 * fastify (the server is imported only when it starts).
 */
import { DEFAULT_MAX_CELLS, DEFAULT_MAX_ROWS, DEFAULT_MAX_SERIES } from '../model/settings';
import type { Limits } from './routes';

export const DEFAULT_PORT = 8686;
export const DEFAULT_HOST = '127.0.0.1';

export const DEFAULT_LIMITS: Limits = {
  maxRows: DEFAULT_MAX_ROWS,
  maxQueries: 50,
  maxFrames: DEFAULT_MAX_SERIES,
  maxCells: DEFAULT_MAX_CELLS,
  timeoutMs: 30_000,
  bodyLimit: 1 << 20,
};
