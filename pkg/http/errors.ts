import type { FastifyError } from 'fastify';
import { QueryError } from '../engine/errors';
import { QueryInterrupted } from '../engine/interrupt';
import { InvalidInputError } from '../model/validate';
import { SourceError } from '../sources/files';
import { ClickHouseError } from '../clickhouse/client';

/** A failure with its HTTP status and a message meant for the caller. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** What the caller is told: a status and one message, never a stack. */
export interface Failure {
  status: number;
  message: string;
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** ajv's findings as one sentence naming the fields: `body.queries must be array`. */
export function describeValidation(context: string, issues: ValidationIssue[]): string {
  return issues
    .map((issue) => {
      const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const where = path ? `${context}.${path}` : context;
      const params = issue.params ?? {};
      if (Array.isArray(params.allowedValues)) {
        return `${where} must be one of ${params.allowedValues.join(', ')}`;
      }
      if (typeof params.missingProperty === 'string') {
        return `${where === context ? context : where} must have the field "${params.missingProperty}"`;
      }
      return `${where} ${issue.message ?? 'is not valid'}`;
    })
    .join('; ');
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'the request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the request body is empty; send a JSON object',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'send the request body as JSON (Content-Type: application/json)',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the request body does not match its Content-Length',
};

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === 'string';
}

/** The first line of a message: stacks and multi-line dumps stay in the server's log. */
function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/**
 * Maps anything thrown while answering to a status and a message. The caller's mistakes are 4xx;
 * logs the proxy cannot read (files or ClickHouse) are 503 (the proxy's operator must fix them); anything else is 500.
 */
export function toFailure(error: unknown, limits: { bodyLimit: number; timeoutMs: number }): Failure {
  if (error instanceof HttpError) {
    return { status: error.status, message: error.message };
  }
  if (error instanceof QueryInterrupted) {
    // Past its deadline, or its client gone (then nobody reads this): the work stopped, the server is fine.
    return { status: 503, message: error.message };
  }
  if (error instanceof QueryError || error instanceof InvalidInputError) {
    return { status: 400, message: firstLine(error.message) };
  }
  if (error instanceof SourceError) {
    return { status: 503, message: `cannot read the logs: ${firstLine(error.message)}` };
  }
  if (error instanceof ClickHouseError) {
    // Unreachable, refused credentials, no table: the operator's to fix, as with unreadable files.
    return { status: 503, message: firstLine(error.message) };
  }
  const errno = error as NodeJS.ErrnoException | null;
  if (errno?.code === 'EACCES' || errno?.code === 'EPERM') {
    return { status: 503, message: `cannot read the logs: permission denied for ${errno.path ?? 'a log file'}` };
  }
  if (errno?.code === 'ENOENT' && errno.syscall !== undefined) {
    return { status: 503, message: `cannot read the logs: no such file ${errno.path ?? ''}`.trim() };
  }
  if (isFastifyError(error)) {
    const validation = (error as FastifyError & { validation?: ValidationIssue[] }).validation;
    if (validation) {
      return { status: 400, message: describeValidation(error.validationContext ?? 'request', validation) };
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return { status: 413, message: `the request body is larger than ${limits.bodyLimit} bytes` };
    }
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT') {
      return { status: 503, message: `the request took longer than ${limits.timeoutMs} ms; try again or ask for less` };
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return { status, message: FASTIFY_MESSAGES[error.code] ?? firstLine(error.message) };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, message: `internal error: ${firstLine(message)}` };
}
