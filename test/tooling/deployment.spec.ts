/**
 * The deployment defaults of issue 12 (item 5): the api listens on 127.0.0.1 unless told otherwise
 * (the container and compose files say 0.0.0.0), the container runs as a non-root user, every compose
 * file restarts the api, and the HTTP timeouts are set and validated.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../apps/api/src/config';

const DOCKER = join(__dirname, '..', '..', 'docker');

describe('defaults', () => {
  it('HOST defaults to 127.0.0.1', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('the header, request and keep-alive timeouts and the shutdown grace have defaults and are validated', () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 5_000,
      shutdownGraceMs: 10_000,
    });
    expect(() => loadConfig({ LEDGER_HEADERS_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/LEDGER_REQUEST_TIMEOUT_MS/);
  });

  it('batch limits have defaults and are validated', () => {
    expect(loadConfig({}).batch).toEqual({
      maxBytes: 268_435_456,
      maxLines: 1_000_000,
      maxLineBytes: 65_536,
    });
    expect(() => loadConfig({ LEDGER_BATCH_MAX_LINES: '0' })).toThrow(/LEDGER_BATCH_MAX_LINES/);
  });
});

describe('the container image and compose files', () => {
  it('the image runs as the unprivileged node user and listens on every interface', () => {
    const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('node');
    expect(dockerfile).toMatch(/HOST=0\.0\.0\.0/);
  });

  it.each(readdirSync(DOCKER).filter((f) => /^compose.*\.ya?ml$/.test(f)))(
    '%s restarts the api and sets HOST',
    (file) => {
      const text = readFileSync(join(DOCKER, file), 'utf8');
      const api = /^ {2}api:\n((?: {4}.*\n|\n)*)/m.exec(text)?.[1] ?? '';
      expect(api).toMatch(/^ {4}restart: (unless-stopped|always|on-failure)/m);
      expect(api).toMatch(/HOST: 0\.0\.0\.0/);
    },
  );
});
