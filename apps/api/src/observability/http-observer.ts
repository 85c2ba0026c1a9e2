import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { correlationIdOf, withCorrelationId } from './context';
import type { MetricsService } from './metrics.service';
import {
  context,
  CORRELATION_ATTRIBUTE,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
  tracingOn,
} from './tracing';

/** The route template a request matched (`/patents/:id/intent`), or `unmatched`. */
export function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route?.path;
  return typeof route === 'string' ? `${req.baseUrl ?? ''}${route}` : 'unmatched';
}

/**
 * The first middleware of every request: takes its correlation id (X-Correlation-Id, else a new
 * `req-<uuid>`), answers it in the same header, runs the rest of the request under it (so every log
 * line has it), times the request into `http_request_duration_seconds{method,route,status}` and, with
 * tracing on, opens the request's server span. Event streams (text/event-stream) are not timed.
 */
export function httpObserver(metrics: MetricsService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const correlationId = correlationIdOf(req.headers['x-correlation-id']);
    res.setHeader('X-Correlation-Id', correlationId);
    const started = process.hrtime.bigint();
    withCorrelationId(correlationId, () => {
      const span = tracingOn()
        ? tracer().startSpan(`HTTP ${req.method}`, {
            kind: SpanKind.SERVER,
            attributes: {
              'http.request.method': req.method,
              'url.path': req.path,
              [CORRELATION_ATTRIBUTE]: correlationId,
            },
          })
        : undefined;
      res.once('finish', () => {
        const route = routeOf(req);
        const streaming = String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
        if (!streaming) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.http.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
        }
        if (span) {
          span.updateName(`${req.method} ${route}`);
          span.setAttribute('http.route', route);
          span.setAttribute('http.response.status_code', res.statusCode);
          if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      });
      if (span) context.with(trace.setSpan(context.active(), span), next);
      else next();
    });
  };
}
