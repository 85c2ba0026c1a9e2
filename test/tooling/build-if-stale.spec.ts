/**
 * `npm start` builds only when the build is stale (scripts/build-if-stale.js): an up-to-date start
 * compiles nothing, a change to a source (not to a spec) builds again.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require('../../scripts/build-if-stale.js') as {
  buildIfStale(o: { root: string; build: () => number }): { built: boolean; status: number; reason?: string };
  OUTPUTS: string[];
};

const ROOT = join(__dirname, '..', '..');

describe('npm start builds only when stale', () => {
  let root: string;
  let builds = 0;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  /** A stand-in for `npm run build`: writes the outputs. */
  const build = () => {
    builds++;
    for (const f of script.OUTPUTS) write(f, '// built\n');
    return 0;
  };
  const start = () => script.buildIfStale({ root, build });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'patent-ledger-build-'));
    builds = 0;
    write('package.json', '{"name":"x"}');
    write('tsconfig.base.json', '{}');
    write('tsconfig.build.json', '{}');
    write('apps/api/src/main.ts', 'export const a = 1;\n');
    write('libs/domain/src/index.ts', 'export const b = 2;\n');
    write('libs/domain/src/index.spec.ts', 'it("x", () => undefined);\n');
    write('libs/domain/src/testing/fixtures.ts', 'export const c = 3;\n');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds the first time, then not until a source changes', () => {
    expect(start()).toMatchObject({ built: true, reason: 'dist/apps/api/src/main.js is missing', status: 0 });
    expect(start()).toMatchObject({ built: false, status: 0 });
    // Specs, testing helpers and modification times are not part of the build.
    write('libs/domain/src/index.spec.ts', 'it("y", () => undefined);\n');
    write('libs/domain/src/testing/fixtures.ts', 'export const c = 4;\n');
    write('apps/api/src/main.ts', 'export const a = 1;\n');
    expect(start()).toMatchObject({ built: false });
    expect(builds).toBe(1);

    write('libs/domain/src/index.ts', 'export const b = 3;\n');
    expect(start()).toMatchObject({ built: true, reason: 'the sources changed since the last build' });
    write('libs/domain/src/new-module.ts', 'export {};\n');
    expect(start()).toMatchObject({ built: true });
    write('tsconfig.build.json', '{"compilerOptions":{}}');
    expect(start()).toMatchObject({ built: true });
    unlinkSync(join(root, 'dist/apps/cli/src/main.js'));
    expect(start()).toMatchObject({ built: true, reason: 'dist/apps/cli/src/main.js is missing' });
    expect(builds).toBe(5);
    expect(start()).toMatchObject({ built: false });
  });

  it('a failed build is not recorded: the next start builds again', () => {
    expect(script.buildIfStale({ root, build: () => 2 })).toMatchObject({ built: true, status: 2 });
    expect(start()).toMatchObject({ built: true, reason: 'dist/apps/api/src/main.js is missing' });
  });

  it('is what npm start runs first', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['prestart']).toBe('node scripts/build-if-stale.js');
    expect(pkg.scripts['start']).toBe('node dist/apps/api/src/main.js');
  });
});
