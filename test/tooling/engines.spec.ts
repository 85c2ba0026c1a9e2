/**
 * The Node version of package.json `engines` is one every runtime dependency supports, or the README
 * says why not.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(v: string, range: string): boolean;
};

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<
    string,
    { version?: string; dev?: boolean; engines?: unknown; dependencies?: Record<string, string> }
  >;
};

/**
 * Runtime packages whose engines exclude the lowest Node of ours, each with the package that needs
 * it (no version of that one supports Node 20 without it) and why the ledger runs on Node 20 all the
 * same. The README's Node line says the same.
 */
const EXCEPTIONS: Record<string, { dependant: string; why: string }> = {};

describe('engines', () => {
  const lowest = semver.minVersion(pkg.engines.node)!.version;
  const runtime = Object.entries(lock.packages).filter(([path, p]) => path !== '' && !p.dev);

  it('every runtime dependency supports the lowest Node of engines, or is an explained exception', () => {
    const unsupported = runtime
      .filter(([, p]) => typeof p.engines === 'object' && p.engines !== null)
      .map(([path, p]) => ({
        name: path.replace(/^.*node_modules\//, ''),
        range: (p.engines as { node?: string }).node,
      }))
      .filter((p) => p.range !== undefined && !semver.satisfies(lowest, p.range))
      .map((p) => p.name);
    expect(unsupported.filter((name) => !EXCEPTIONS[name])).toEqual([]);
  });

  it('an exception is needed only by the package it names', () => {
    for (const [name, { dependant }] of Object.entries(EXCEPTIONS)) {
      const dependants = runtime
        .filter(([, p]) => p.dependencies && name in p.dependencies)
        .map(([path]) => path.replace(/^.*node_modules\//, ''));
      expect({ name, dependants }).toEqual({ name, dependants: [dependant] });
    }
  });

  it('file-type, which every @nestjs/common 12 release pins at 22 (Node >= 22), is overridden to a release for Node 20', () => {
    const overrides = (pkg as { overrides?: Record<string, string> }).overrides ?? {};
    expect(overrides['file-type']).toBeDefined();
    const installed = Object.entries(lock.packages).filter(([path]) =>
      path.endsWith('node_modules/file-type'),
    );
    expect(installed.length).toBeGreaterThan(0);
    for (const [, p] of installed) {
      expect(semver.satisfies(lowest, (p.engines as { node: string }).node)).toBe(true);
    }
  });

  it('the README says which Node the ledger needs and why an exception does not matter', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`Node ${pkg.engines.node.replace('>=', '≥ ')}`);
    for (const name of Object.keys(EXCEPTIONS)) expect(readme).toContain(`\`${name}\``);
  });
});

describe('the README', () => {
  it('points to documents inside the repository, and to the domain glossary', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const paths = [...readme.matchAll(/\]\(([^)#\s]+)\)|`((?:\.\.\/|docs\/)[^`\s]+\.md)`/g)]
      .map((m) => (m[1] ?? m[2])!)
      .filter((p) => !/^[a-z]+:/.test(p));
    expect(paths).toContain('docs/domain.md');
    for (const p of paths) {
      const file = resolve(ROOT, p);
      expect({ p, inside: file.startsWith(`${ROOT}/`), exists: existsSync(file) }).toEqual({
        p,
        inside: true,
        exists: true,
      });
    }
    const glossary = readFileSync(join(ROOT, 'docs', 'domain.md'), 'utf8');
    for (const term of ['PatentInventoried', 'InstitutionRegistered', 'stockPatentCount', 'Obligations'])
      expect(glossary).toContain(term);
  });
});
