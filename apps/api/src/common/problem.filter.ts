import { WriterThreadStoppedError } from '@patent-ledger/store-sqlite';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import {
  ConcurrencyRetriesExhaustedError,
  EventSourcingError,
  IdempotencyKeyReusedError,
  InvalidAppendError,
  WrongExpectedVersionError,
} from '@patent-ledger/eventsourcing';
import { DomainError } from '@patent-ledger/domain';
import { AccessDeniedError } from '@patent-ledger/access';
import { QueryError, QueryTimeoutError } from '@patent-ledger/read-models';
import type { Request, Response } from 'express';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException, type Problem } from './problem';
import { storeUnavailable } from './store-errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Marks a request whose expected version came from If-Match, so a conflict answers 412. */
export const PINNED_BY_IF_MATCH = Symbol('pinnedByIfMatch');

/** Maps every error to RFC 9457 problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  /** `onDenied` records each access denial (who, what, when) where an ip-office admin can list it. */
  constructor(private readonly onDenied?: (req: Request, err: AccessDeniedError) => void) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { [PINNED_BY_IF_MATCH]?: boolean }>();
    const res = ctx.getResponse<Response>();
    const p = this.toProblem(exception, req);
    p.instance = req.originalUrl ?? req.url;
    if (exception instanceof ProblemException) {
      for (const [k, v] of Object.entries(exception.headers)) res.setHeader(k, v);
    }
    if (p.code === 'STORE.UNAVAILABLE' || p.code === 'STORE.DISK_FULL') {
      res.setHeader('Retry-After', '1');
      this.logger.warn(`${p.code}: ${exception instanceof Error ? exception.message : String(exception)}`);
    }
    if (exception instanceof AccessDeniedError) this.onDenied?.(req, exception);
    if (p.status === 500 && process.env['DEBUG500']) console.error(exception);
    if (p.status === 500)
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
  }

  private toProblem(exception: unknown, req: { [PINNED_BY_IF_MATCH]?: boolean; method?: string }): Problem {
    if (exception instanceof ProblemException) return { ...exception.problem };
    if (exception instanceof AccessDeniedError) {
      return problem(403, exception.code, exception.message, { rule: exception.rule } as Partial<Problem>);
    }
    if (exception instanceof DomainError) {
      const status =
        exception.kind === 'invalid'
          ? 400
          : exception.kind === 'not-found'
            ? 404
            : exception.kind === 'forbidden'
              ? 403
              : 409;
      return problem(status, exception.code, exception.message, {
        ...(exception.field ? { errors: [{ field: exception.field, message: exception.message }] } : {}),
      });
    }
    if (exception instanceof QueryError) {
      return problem(400, exception.code, exception.message, {
        ...(exception.field ? { errors: [{ field: exception.field, message: exception.message }] } : {}),
      });
    }
    if (exception instanceof WrongExpectedVersionError) {
      const pinned = req[PINNED_BY_IF_MATCH] === true;
      return problem(
        pinned ? 412 : 409,
        pinned ? 'PRECONDITION.VERSION_MISMATCH' : exception.code,
        pinned
          ? `If-Match expected version ${String(exception.expected)}, but the patent is at version ${exception.actual}`
          : `the stream changed concurrently: ${exception.message}`,
      );
    }
    if (exception instanceof IdempotencyKeyReusedError) {
      return problem(
        422,
        exception.code,
        'this Idempotency-Key was already used with a different request; use a new key for a new request',
      );
    }
    if (exception instanceof ConcurrencyRetriesExhaustedError)
      return problem(409, exception.code, exception.message);
    if (exception instanceof InvalidAppendError) return problem(400, exception.code, exception.message);
    if (exception instanceof EventSourcingError) return problem(500, exception.code, exception.message);
    // The SQLite writer thread died with the append in flight: it may or may not be committed.
    if (exception instanceof WriterThreadStoppedError) return problem(503, exception.code, exception.message);
    if (exception instanceof HttpException) return fromHttpException(exception);
    // A read-model query cancelled by its statement timeout (PostgreSQL 57014), or a SQLite query
    // abandoned past the same budget (QueryTimeoutError): 503, narrow it.
    if (exception instanceof QueryTimeoutError || (exception as { code?: unknown }).code === '57014') {
      return problem(
        503,
        'QUERY.TIMEOUT',
        'the query ran longer than LEDGER_QUERY_TIMEOUT_MS and was cancelled; narrow its filters or page it',
      );
    }
    // The store is away (a lost PostgreSQL connection, a server restart) or its disk is full: 503,
    // and a write may or may not have been committed before the connection went.
    const outage = storeUnavailable(exception);
    if (outage) {
      return problem(
        503,
        outage.code,
        SAFE_METHODS.has(req.method ?? 'GET')
          ? `${outage.reason}; try again shortly`
          : `${outage.reason}; whether the command was recorded is unknown: send it again with the same Idempotency-Key (safe: it is recorded at most once)`,
      );
    }
    const bodyParser = exception as { type?: string; status?: number; message?: string; limit?: number };
    if (bodyParser && typeof bodyParser === 'object' && typeof bodyParser.type === 'string') {
      return fromBodyParser(bodyParser);
    }
    // A write that failed unexpectedly may or may not have committed (a lost connection mid-commit):
    // never claim it changed nothing; a retry with the same Idempotency-Key is safe either way.
    return SAFE_METHODS.has(req.method ?? 'GET')
      ? problem(500, 'INTERNAL', 'an unexpected error occurred; nothing was changed')
      : problem(
          500,
          'INTERNAL.OUTCOME_UNKNOWN',
          'an unexpected error occurred; whether the command was recorded is unknown: send it again with the same Idempotency-Key (safe: it is recorded at most once)',
        );
  }
}

function fromBodyParser(e: { type?: string; status?: number; message?: string; limit?: number }): Problem {
  switch (e.type) {
    case 'entity.too.large':
      return problem(
        413,
        'REQUEST.TOO_LARGE',
        `the request body exceeds the limit of ${e.limit ?? '?'} bytes`,
      );
    case 'entity.parse.failed':
      return problem(
        400,
        'REQUEST.MALFORMED_JSON',
        `the request body is not valid JSON: ${e.message ?? ''}`.trim(),
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem(415, 'REQUEST.UNSUPPORTED_ENCODING', e.message ?? 'unsupported encoding');
    default:
      return problem(
        e.status && e.status >= 400 && e.status < 500 ? e.status : 400,
        'REQUEST.INVALID',
        e.message ?? 'invalid request',
      );
  }
}

function fromHttpException(e: HttpException): Problem {
  const status = e.getStatus();
  const body = e.getResponse();
  const cause = (e as { cause?: { type?: string } }).cause;
  if (cause && typeof cause === 'object' && typeof cause.type === 'string') return fromBodyParser(cause);
  const message =
    typeof body === 'string'
      ? body
      : typeof body === 'object' && body && 'message' in body
        ? (body as { message: unknown }).message
        : e.message;
  const code =
    status === 404
      ? 'ROUTE.NOT_FOUND'
      : status === 413
        ? 'REQUEST.TOO_LARGE'
        : status === 405
          ? 'ROUTE.METHOD_NOT_ALLOWED'
          : `HTTP.${status}`;
  return problem(status, code, Array.isArray(message) ? message.join('; ') : String(message));
}
