import { HttpException, HttpStatus } from '@nestjs/common';

/** An RFC 9457 problem details object, with our stable `code` and per-field `errors`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  errors?: { field: string; message: string }[];
  /** For 403: the policy rule that denied the request. */
  rule?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URI for a stable code. */
export const problemType = (code: string): string => `urn:patent-ledger:problem:${code}`;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: problemType(code), title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

/** An HTTP error that carries a ready problem document. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: Problem,
    /** Response headers that go with the problem (WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }
  static of(
    status: HttpStatus | number,
    code: string,
    detail: string,
    extra: Partial<Problem> = {},
    headers: Record<string, string> = {},
  ): ProblemException {
    return new ProblemException(problem(status, code, detail, extra), headers);
  }
}
