#!/usr/bin/env node
// `npm start` runs this first: it builds (npm run build) only when the sources of the build changed
// since the last one, or its output is missing, so an up-to-date start takes no compile at all.
// The sources are what tsconfig.build.json compiles (apps/ and libs/ TypeScript without specs and
// testing helpers) and the files that configure it; their digest (SHA-256 of paths and contents,
// not modification times, which a checkout or a copy changes) is kept in dist/.build-digest.
//   node scripts/build-if-stale.js           build when stale
//   node scripts/build-if-stale.js --check   exit 1 when stale, 0 when up to date; build nothing
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Files, besides the sources, whose change changes the build. */
const CONFIG_FILES = ['package.json', 'tsconfig.base.json', 'tsconfig.build.json'];
/** What the build must have produced. */
const OUTPUTS = ['dist/apps/api/src/main.js', 'dist/apps/cli/src/main.js'];
const DIGEST_FILE = 'dist/.build-digest';

/** Whether tsconfig.build.json compiles this file (it excludes specs, tests and testing helpers). */
function isBuildSource(relative) {
  if (!/\.ts$/.test(relative) || /\.d\.ts$/.test(relative)) return false;
  if (/\.(spec|test)\.ts$/.test(relative)) return false;
  return !relative.split('/').includes('testing');
}

function walk(root, dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const relative = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) walk(root, relative, out);
    else if (e.isFile() && isBuildSource(relative)) out.push(relative);
  }
}

/** The digest of everything the build depends on, under `root`. */
function sourceDigest(root) {
  const files = [];
  for (const top of ['apps', 'libs']) walk(root, top, files);
  for (const f of CONFIG_FILES) if (fs.existsSync(path.join(root, f))) files.push(f);
  files.sort();
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(f);
    hash.update('\0');
    hash.update(fs.readFileSync(path.join(root, f)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Why the build is stale, or undefined when it is up to date. */
function staleReason(root, digest = sourceDigest(root)) {
  const missing = OUTPUTS.find((f) => !fs.existsSync(path.join(root, f)));
  if (missing) return `${missing} is missing`;
  let built;
  try {
    built = fs.readFileSync(path.join(root, DIGEST_FILE), 'utf8').trim();
  } catch {
    return 'no build was recorded';
  }
  return built === digest ? undefined : 'the sources changed since the last build';
}

/**
 * Builds when stale. `build` runs the build and returns its exit status (default: npm run build).
 * Returns { built, reason?, status }.
 */
function buildIfStale({ root, build, log = () => {} }) {
  const digest = sourceDigest(root); // before the build: a change made meanwhile builds again next time
  const reason = staleReason(root, digest);
  if (!reason) {
    log('patent-ledger: the build is up to date');
    return { built: false, status: 0 };
  }
  log(`patent-ledger: building (${reason})`);
  const status = build();
  if (status === 0) {
    fs.mkdirSync(path.join(root, path.dirname(DIGEST_FILE)), { recursive: true });
    fs.writeFileSync(path.join(root, DIGEST_FILE), `${digest}\n`);
  }
  return { built: true, reason, status };
}

module.exports = { sourceDigest, staleReason, buildIfStale, DIGEST_FILE, OUTPUTS };

if (require.main === module) {
  const root = path.join(__dirname, '..');
  if (process.argv.includes('--check')) {
    const reason = staleReason(root);
    process.stdout.write(reason ? `stale: ${reason}\n` : 'up to date\n');
    process.exit(reason ? 1 : 0);
  }
  const { status } = buildIfStale({
    root,
    build: () =>
      spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
        cwd: root,
        stdio: 'inherit',
      }).status ?? 1,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(status);
}
