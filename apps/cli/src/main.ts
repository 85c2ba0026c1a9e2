#!/usr/bin/env node
import { ConfigError } from '../../api/src/config';
import { CliError, type CliIo } from './cli-io';
import { exportBundle, keygen, replay, verify, verifyBundle } from './commands/audit';
import { run as generateRun } from './commands/generate';
import { run as importRun } from './commands/import';
import { migrate } from './commands/migrate';
import { project, projections, rebuild } from './commands/projections';

type Command = (args: string[], env: NodeJS.ProcessEnv, io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  import: {
    run: importRun,
    help: 'import FILE [--format csv|jsonl] [--actor-org ORG] [--batch-size N]  bulk inventory (CSV or JSON Lines); rejects to FILE.rejects.csv',
  },
  generate: {
    run: generateRun,
    help: 'generate --patents N [--institutions M] [--seed S] [--out FILE] [--apply]  reproducible synthetic province',
  },
  rebuild: {
    run: rebuild,
    help: 'rebuild [projection]        rebuild one projection (or all) into fresh tables, then swap them in atomically',
  },
  project: {
    run: project,
    help: 'project [--once]            run the projector as its own process (LEDGER_PROJECTOR=off on the api)',
  },
  projections: { run: projections, help: 'projections                 position and lag of each projection' },
  keygen: {
    run: keygen,
    help: 'keygen [--out FILE]         a new Ed25519 key that signs chain heads (default LEDGER_SIGNING_KEY_FILE)',
  },
  verify: {
    run: verify,
    help: 'verify [--patent ID] [--key PUB] [--json]  recompute the hash chains; exit 1 on the first broken link',
  },
  replay: {
    run: replay,
    help: 'replay ID [--as-of DATE] [--known-at INSTANT] [--json]  history table and resulting state',
  },
  export: { run: exportBundle, help: 'export ID --out FILE        a signed, self-contained evidence bundle' },
  migrate: {
    run: migrate,
    help: 'migrate --to postgres|kurrentdb  copy the SQLite ledger (LEDGER_DB) with metadata and hashes, then verify',
  },
  'verify-bundle': {
    run: verifyBundle,
    help: 'verify-bundle FILE [--key PUB] [--json]  check a bundle offline, print the state',
  },
};

function usageText(): string {
  return `patent-ledger <command> [options]\n\nCommands:\n${Object.values(COMMANDS)
    .map((c) => `  ${c.help}`)
    .join(
      '\n',
    )}\n  help                        this text\n\nSettings come from the same LEDGER_* environment variables as the api (LEDGER_DB, LEDGER_READ_DB, ...).\n`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(usageText());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command "${name}"; run "patent-ledger help"`, 2);
  return command.run(args, env, io);
}

if (require.main === module) {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stderr.isTTY) };
  main(process.argv.slice(2), process.env, io).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const known =
        err instanceof CliError ||
        err instanceof ConfigError ||
        (err as { code?: string }).code !== undefined;
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`patent-ledger: ${message}\n`);
      if (!known && process.env['LEDGER_DEBUG']) process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(err instanceof CliError ? err.exitCode : 1);
    },
  );
}
