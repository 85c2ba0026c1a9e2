/**
 * The web console is built (Vite) at `npm install` (prepare) and by `npm start` only when its own
 * sources changed (scripts/build-if-stale.js --console): a change to the api does not rebuild it,
 * and a change to apps/console does not rebuild the api.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require('../../scripts/build-if-stale.js') as {
  buildIfStale(o: { root: string; build: () => number }): { built: boolean; status: number; reason?: string };
  buildConsoleIfStale(o: { root: string; build: () => number }): {
    built: boolean;
    status: number;
    reason?: string;
  };
  sourceDigest(root: string): string;
  OUTPUTS: string[];
  CONSOLE_OUTPUT: string;
};

describe('the console build', () => {
  let root: string;
  let builds = 0;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  const viteBuild = () => {
    builds++;
    write(script.CONSOLE_OUTPUT, '<!doctype html>\n');
    return 0;
  };
  const start = () => script.buildConsoleIfStale({ root, build: viteBuild });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'patent-ledger-console-build-'));
    builds = 0;
    write('package.json', '{"name":"x"}');
    write('apps/api/src/main.ts', 'export const a = 1;\n');
    write('apps/console/index.html', '<div id="app"></div>\n');
    write('apps/console/src/main.tsx', 'export const b = 2;\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds the first time, then only when a console source changes', () => {
    expect(start()).toMatchObject({ built: true, reason: `${script.CONSOLE_OUTPUT} is missing`, status: 0 });
    expect(start()).toMatchObject({ built: false });
    write('apps/api/src/main.ts', 'export const a = 2;\n');
    expect(start()).toMatchObject({ built: false });
    write('apps/console/src/styles.css', 'body { margin: 0 }\n');
    expect(start()).toMatchObject({
      built: true,
      reason: 'the console sources changed since the last build',
    });
    expect(builds).toBe(2);
  });

  it("keeps the console's files out of the api's digest", () => {
    const before = script.sourceDigest(root);
    write('apps/console/src/main.tsx', 'export const b = 3;\n');
    write('apps/console/vite.config.ts', 'export default {};\n');
    expect(script.sourceDigest(root)).toBe(before);
  });

  it('does nothing where the console sources are absent (a Docker layer before the copy)', () => {
    rmSync(join(root, 'apps/console'), { recursive: true });
    expect(start()).toEqual({ built: false, status: 0 });
    expect(builds).toBe(0);
  });

  it('reports a failed build and records nothing', () => {
    expect(script.buildConsoleIfStale({ root, build: () => 1 })).toMatchObject({ built: true, status: 1 });
    expect(start()).toMatchObject({ built: true, reason: `${script.CONSOLE_OUTPUT} is missing` });
  });
});

describe('where the api finds the built console', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { consoleDir } = require('../../apps/api/src/console/console.module') as {
    consoleDir(from: string): string;
  };
  const repo = join(__dirname, '..', '..');

  it('is dist/console of the repository, from the sources and from the compiled api alike', () => {
    expect(consoleDir(join(repo, 'apps', 'api', 'src', 'console'))).toBe(join(repo, 'dist', 'console'));
    expect(consoleDir(join(repo, 'dist', 'apps', 'api', 'src', 'console'))).toBe(
      join(repo, 'dist', 'console'),
    );
  });
});
