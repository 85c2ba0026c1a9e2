import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConcurrencyRetriesExhaustedError,
  IdempotencyKeyReusedError,
  InvalidAppendError,
  WrongExpectedVersionError,
} from './errors';
import type { ExpectedVersion } from './types';

/** How to start a worker thread on a module of this repository: a file, or code to eval. */
export interface WorkerSource {
  /** The compiled module's path, or bootstrap code when `eval` is true. */
  code: string;
  eval: boolean;
}

/**
 * The worker-thread entry `name` (without extension) next to the calling module (`dir`, its
 * `__dirname`). From compiled JavaScript (dist) that is `name.js` itself. From the TypeScript sources
 * (the test runner, which compiles on the fly) the thread compiles them with @swc/core as it loads
 * them and resolves @patent-ledger/* to the libs' sources — `libsDir` is the repository's libs folder.
 */
export function workerSource(dir: string, name: string, libsDir: string): WorkerSource {
  const js = join(dir, `${name}.js`);
  if (existsSync(js)) return { code: js, eval: false };
  const ts = join(dir, `${name}.ts`);
  if (!existsSync(ts)) throw new Error(`worker module ${name} not found in ${dir}`);
  const code = `${typescriptPrelude(libsDir)}
    require(${JSON.stringify(ts)});
  `;
  return { code, eval: true };
}

/**
 * JavaScript that lets the thread or process it runs in load this repository's TypeScript sources:
 * compiled on the fly by @swc/core, with @patent-ledger/* resolved to `libsDir`/<name>/src/index.ts.
 * For worker threads started from the sources and for the child processes of tests.
 */
export function typescriptPrelude(libsDir: string): string {
  return `
    const Module = require('node:module');
    const path = require('node:path');
    const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
    const libs = ${JSON.stringify(libsDir)};
    const resolveFilename = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      const alias = /^@patent-ledger\\/([\\w-]+)$/.exec(request);
      return resolveFilename.call(this, alias ? path.join(libs, alias[1], 'src', 'index.ts') : request, ...rest);
    };
    require.extensions['.ts'] = (module, filename) => {
      const options = {
        swcrc: false,
        configFile: false,
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      };
      module._compile(swc.transformFileSync(filename, options).code, filename);
    };
  `;
}

/** An error as it crosses a thread boundary: its class name, message and own fields. */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k !== 'stack' && k !== 'message' && k !== 'name') fields[k] = v;
  }
  return { name: err.name, message: err.message, fields };
}

/**
 * The error a SerializedError stood for: the event-sourcing errors as their own classes (so callers'
 * `instanceof` checks and codes hold across threads), anything else as an Error with the same name,
 * message and fields.
 */
export function deserializeError(e: SerializedError): Error {
  const f = e.fields;
  switch (
    e.name === 'WrongExpectedVersionError' || e.name === 'IdempotencyKeyReusedError' ? e.name : f['code']
  ) {
    case 'WrongExpectedVersionError':
      return new WrongExpectedVersionError(
        f['streamName'] as string,
        f['expected'] as ExpectedVersion,
        f['actual'] as number,
      );
    case 'IdempotencyKeyReusedError':
      return new IdempotencyKeyReusedError(f['commandId'] as string);
    // A command whose stream kept changing (another process wrote it): 409 on this side too, not 500.
    case 'STREAM.CONCURRENCY_RETRIES_EXHAUSTED':
      return new ConcurrencyRetriesExhaustedError(f['streamName'] as string, f['attempts'] as number);
    case 'STREAM.INVALID_APPEND': {
      // InvalidAppendError and an adapter's subclasses of it.
      const err = new InvalidAppendError(e.message);
      err.name = e.name;
      return err;
    }
    default: {
      const err = new Error(e.message);
      err.name = e.name;
      Object.assign(err, f);
      return err;
    }
  }
}
