#!/usr/bin/env node
// `npm start` runs this first: it builds (npm run build) only when the sources of the build changed
// since the last one, or its output is missing, so an up-to-date start takes no compile at all.
// The sources are what tsconfig.build.json compiles (apps/ and libs/ TypeScript without specs and
// testing helpers) and the files that configure it; their digest (SHA-256 of paths and contents,
// not modification times, which a checkout or a copy changes) is kept in dist/.build-digest.
//   node scripts/build-if-stale.js           build when stale
//   node scripts/build-if-stale.js --check   exit 1 when stale, 0 when up to date; build nothing
//   node scripts/build-if-stale.js --console only the web console (apps/console → dist/console, by
//                                            Vite); `npm install` runs this (prepare). Nothing to do
//                                            where apps/console or vite is absent (a Docker layer
//                                            that installs before it copies the sources)
// The web console has a digest of its own (every file under apps/console, and package.json), so a
// change to it rebuilds the console only, and a change to the api does not rebuild the console.
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Files, besides the sources, whose change changes the build. */
const CONFIG_FILES = ['package.json', 'tsconfig.base.json', 'tsconfig.build.json'];
/** What the build must have produced. */
const OUTPUTS = ['dist/apps/api/src/main.js', 'dist/apps/cli/src/main.js'];
const DIGEST_FILE = 'dist/.build-digest';
/** The web console: its sources, what its build produces, and its digest. */
const CONSOLE_SOURCES = 'apps/console';
const CONSOLE_OUTPUT = 'dist/console/index.html';
const CONSOLE_DIGEST_FILE = 'dist/.console-digest';

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
    if (relative === CONSOLE_SOURCES) continue; // built by Vite, with a digest of its own
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

/** The digest of the console's sources (every file under apps/console) and package.json. */
function consoleDigest(root) {
  const files = [];
  const visit = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const relative = `${dir}/${e.name}`;
      if (e.isDirectory()) visit(relative);
      else if (e.isFile()) files.push(relative);
    }
  };
  visit(CONSOLE_SOURCES);
  if (fs.existsSync(path.join(root, 'package.json'))) files.push('package.json');
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

/** Why the console's build is stale, or undefined when it is up to date. */
function consoleStaleReason(root, digest = consoleDigest(root)) {
  if (!fs.existsSync(path.join(root, CONSOLE_OUTPUT))) return `${CONSOLE_OUTPUT} is missing`;
  let built;
  try {
    built = fs.readFileSync(path.join(root, CONSOLE_DIGEST_FILE), 'utf8').trim();
  } catch {
    return 'no console build was recorded';
  }
  return built === digest ? undefined : 'the console sources changed since the last build';
}

/** Builds the console when stale (`build` runs `vite build`); a no-op without its sources. */
function buildConsoleIfStale({ root, build, log = () => {} }) {
  if (!fs.existsSync(path.join(root, CONSOLE_SOURCES, 'index.html'))) return { built: false, status: 0 };
  const digest = consoleDigest(root);
  const reason = consoleStaleReason(root, digest);
  if (!reason) {
    log('patent-ledger: the console build is up to date');
    return { built: false, status: 0 };
  }
  log(`patent-ledger: building the console (${reason})`);
  const status = build();
  if (status === 0) {
    fs.mkdirSync(path.join(root, path.dirname(CONSOLE_DIGEST_FILE)), { recursive: true });
    fs.writeFileSync(path.join(root, CONSOLE_DIGEST_FILE), `${digest}\n`);
  }
  return { built: true, reason, status };
}

module.exports = {
  sourceDigest,
  staleReason,
  buildIfStale,
  consoleDigest,
  consoleStaleReason,
  buildConsoleIfStale,
  DIGEST_FILE,
  OUTPUTS,
  CONSOLE_OUTPUT,
};

if (require.main === module) {
  const root = path.join(__dirname, '..');
  if (process.argv.includes('--check')) {
    const reason = staleReason(root);
    process.stdout.write(reason ? `stale: ${reason}\n` : 'up to date\n');
    process.exit(reason ? 1 : 0);
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const log = (line) => process.stderr.write(`${line}\n`);
  const viteBuild = () => {
    if (!fs.existsSync(path.join(root, 'node_modules', 'vite', 'package.json'))) {
      log('patent-ledger: vite is not installed: the console is not built');
      return 0;
    }
    return spawnSync(npm, ['run', 'build:console'], { cwd: root, stdio: 'inherit' }).status ?? 1;
  };
  if (process.argv.includes('--console')) {
    process.exit(buildConsoleIfStale({ root, build: viteBuild, log }).status);
  }
  // `npm run build` builds the console too: record its digest when that build succeeds.
  const consoleBefore = consoleDigest(root);
  const { built, status } = buildIfStale({
    root,
    build: () => spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' }).status ?? 1,
    log,
  });
  if (status !== 0) process.exit(status);
  if (built && fs.existsSync(path.join(root, CONSOLE_OUTPUT))) {
    fs.writeFileSync(path.join(root, CONSOLE_DIGEST_FILE), `${consoleBefore}\n`);
  }
  process.exit(buildConsoleIfStale({ root, build: viteBuild, log }).status);
}
