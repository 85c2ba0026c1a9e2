import type { NextFunction, Request, Response } from 'express';
import { problem, PROBLEM_CONTENT_TYPE } from './problem';

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;
const NDJSON_TYPE = /^application\/x-ndjson\s*(;|$)/i;

/** Commands carry JSON: a body of any other content type is answered 415 before it is read. */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) || !hasBody) return next();
  const type = req.headers['content-type'] ?? '';
  if (JSON_TYPE.test(type) || NDJSON_TYPE.test(type)) return next();
  const p = problem(
    415,
    'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    `request bodies must be application/json; got ${type ? `"${type}"` : 'no Content-Type'}`,
    { instance: req.originalUrl },
  );
  res.status(415).setHeader('Accept-Post', 'application/json');
  res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}
