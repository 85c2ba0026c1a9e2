import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  RequestMethod,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, normalize, sep } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import type { LedgerConfig } from '../config';

/**
 * The web console (apps/console, built by Vite into dist/console) served by the api itself:
 * `GET /` for a browser (one that prefers text/html) answers the console's page, `GET /console/…`
 * its static files. Both are public (the console signs in with POST /auth/login; every call it then
 * makes is checked by the api's policy). `GET /` asked for JSON (or with no Accept) still answers
 * the JSON index of IndexController. With single sign-on configured (GET /auth/config), the page may
 * also connect to the OpenID Connect provider's origin (its discovery document and token endpoint).
 */
export const CONSOLE_PREFIX = '/console/';

/** dist/console of the repository this file lies in (as source or compiled under dist/). */
export function consoleDir(from = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (basename(dir) !== 'dist' && existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'patent-ledger') {
          return join(dir, 'dist', 'console');
        }
      } catch {
        // not ours: keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return join(process.cwd(), 'dist', 'console');
    dir = up;
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export const CONSOLE_OPTIONS = Symbol('CONSOLE_OPTIONS');

export interface ConsoleOptions {
  /** Origins besides the api's own the console's scripts may call (the single sign-on provider). */
  connectOrigins: string[];
}

/** The console's options from the configuration: the provider's origin when the console offers single sign-on. */
export function consoleOptions(config: LedgerConfig): ConsoleOptions {
  const oidc = config.auth.oidc;
  return {
    connectOrigins: oidc && config.auth.oidcConsoleClientId ? [new URL(oidc.issuer).origin] : [],
  };
}

export function securityHeaders(o: ConsoleOptions): Record<string, string> {
  const connect = ["'self'", ...o.connectOrigins].join(' ');
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src ${connect}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'`,
  };
}

@Injectable()
export class ConsoleMiddleware implements NestMiddleware {
  private readonly root = consoleDir();
  private readonly headers: Record<string, string>;

  constructor(@Inject(CONSOLE_OPTIONS) options: ConsoleOptions) {
    this.headers = securityHeaders(options);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/') {
      // A browser navigating to / prefers text/html; API clients (JSON, */*, none) get the index.
      if (req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
      res.vary('Accept');
      return this.send(res, join(this.root, 'index.html'), 'no-cache', req.method === 'HEAD');
    }
    if (!req.path.startsWith(CONSOLE_PREFIX)) return next();
    let relative: string;
    try {
      relative = normalize(decodeURIComponent(req.path.slice(CONSOLE_PREFIX.length)));
    } catch {
      res.status(400).end();
      return;
    }
    if (relative.startsWith('..') || relative.includes(`${sep}..`) || relative.startsWith(sep)) {
      res.status(404).end();
      return;
    }
    const file = join(this.root, relative);
    // Vite names built assets by their content hash: cache them for good.
    const cache = relative.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    this.send(res, file, cache, req.method === 'HEAD');
  }

  private send(res: Response, file: string, cache: string, head: boolean): void {
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      if (file === join(this.root, 'index.html')) {
        res
          .status(503)
          .type('text/plain; charset=utf-8')
          .send('控制台尚未构建 / the console is not built: run "npm run build:console"\n');
      } else {
        res.status(404).type('text/plain; charset=utf-8').send('not found\n');
      }
      return;
    }
    res.status(200);
    for (const [k, v] of Object.entries(this.headers)) res.setHeader(k, v);
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', cache);
    if (head) {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  }
}

@Module({})
export class ConsoleModule implements NestModule {
  static register(options: ConsoleOptions = { connectOrigins: [] }): DynamicModule {
    return {
      module: ConsoleModule,
      providers: [{ provide: CONSOLE_OPTIONS, useValue: options }, ConsoleMiddleware],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ConsoleMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.GET });
  }
}
