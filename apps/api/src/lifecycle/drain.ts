import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import { PROBLEM_CONTENT_TYPE, problem } from '../common/problem';

/**
 * Graceful shutdown: once draining starts, new requests get 503 (with `Connection: close`), the
 * requests in flight finish (bounded by the grace period), idle keep-alive connections are closed,
 * and only then is the application closed.
 */
export class Drain {
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | undefined;
  /** Responses in flight, so that draining can ask them to close their connection once sent. */
  private readonly responses = new Set<Response>();

  /** Express middleware: counts requests in flight, refuses new ones while draining. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) {
      res.setHeader('Connection', 'close');
      res
        .status(503)
        .type(PROBLEM_CONTENT_TYPE)
        .setHeader('Retry-After', '5')
        .send(
          JSON.stringify({
            ...problem(
              503,
              'SERVICE.SHUTTING_DOWN',
              'the service is shutting down; send the request again shortly',
            ),
            instance: req.originalUrl,
          }),
        );
      return;
    }
    this.inFlight++;
    this.responses.add(res);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.inFlight--;
      this.responses.delete(res);
      if (this.draining && this.inFlight === 0) this.idle?.();
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };

  get active(): number {
    return this.inFlight;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Starts draining; resolves when no request is in flight or after `graceMs`. */
  async drain(server: Server | undefined, graceMs: number): Promise<{ cut: number }> {
    const deadline = Date.now() + graceMs;
    this.draining = true;
    // The answers still to come close their connection, so no client sends another request on it.
    for (const res of this.responses) if (!res.headersSent) res.shouldKeepAlive = false;
    server?.closeIdleConnections?.();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // A connection accepted just now may still be sending its request: closing it as idle would cut
    // that request off. Let such connections get their 503 first (at most a second, within the grace).
    if (server) {
      const lingerUntil = Math.min(deadline, Date.now() + 1000);
      while (Date.now() < lingerUntil && (await connections(server)) > 0 && this.inFlight === 0) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    server?.closeIdleConnections?.();
    return { cut: this.inFlight };
  }
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n)));
}
