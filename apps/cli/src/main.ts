#!/usr/bin/env node
import { ConfigError } from '../../api/src/config';
import { CliError, type CliIo } from './cli-io';
import { printable, printableIo } from './printable';
import { exportBundle, keygen, replay, verify, verifyBundle } from './commands/audit';
import {
  EXPORT_SPEC,
  KEYGEN_SPEC,
  REPLAY_SPEC,
  VERIFY_BUNDLE_SPEC,
  VERIFY_SPEC,
} from './commands/audit-specs';
import { GENERATE_SPEC, run as generateRun } from './commands/generate';
import { IMPORT_SPEC, run as importRun } from './commands/import';
import { institutions, INSTITUTIONS_SPEC } from './commands/institutions';
import { migrate, MIGRATE_SPEC } from './commands/migrate';
import { exportNationalCommand } from './commands/national';
import { token, TOKEN_SPEC } from './commands/token';
import { users } from './commands/users';
import {
  project,
  PROJECT_SPEC,
  projections,
  PROJECTIONS_SPEC,
  rebuild,
  REBUILD_SPEC,
} from './commands/projections';
import { groupHelp, unknownCommand, type CommandSpec } from './parse';

type Command = (args: string[], env: NodeJS.ProcessEnv, io: CliIo) => Promise<number>;

/** The users group in the list of commands (its subcommands have their own specs). */
const USERS_GROUP: CommandSpec = {
  name: 'users',
  summary: 'accounts of people: add, passwd, disable, enable, list (passwords from standard input)',
  options: [],
  examples: ['patent-ledger users --help'],
};

/** Every command: its spec (arguments, options, examples: its --help) and what runs it. */
const COMMANDS: Record<string, { run: Command; spec: CommandSpec }> = {
  token: { run: token, spec: TOKEN_SPEC },
  users: { run: users, spec: USERS_GROUP },
  institutions: { run: institutions, spec: INSTITUTIONS_SPEC },
  import: { run: importRun, spec: IMPORT_SPEC },
  generate: { run: generateRun, spec: GENERATE_SPEC },
  rebuild: { run: rebuild, spec: REBUILD_SPEC },
  project: { run: project, spec: PROJECT_SPEC },
  projections: { run: projections, spec: PROJECTIONS_SPEC },
  keygen: { run: keygen, spec: KEYGEN_SPEC },
  verify: { run: verify, spec: VERIFY_SPEC },
  replay: { run: replay, spec: REPLAY_SPEC },
  export: {
    // `export national …`: the national platform's batch layout; `export ID`: an evidence bundle.
    run: (args, env, io) =>
      args[0] === 'national' ? exportNationalCommand(args.slice(1), env, io) : exportBundle(args, env, io),
    spec: EXPORT_SPEC,
  },
  migrate: { run: migrate, spec: MIGRATE_SPEC },
  'verify-bundle': { run: verifyBundle, spec: VERIFY_BUNDLE_SPEC },
};

/** The names of the commands. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);
/** The spec of each command (what its --help shows). */
export const COMMAND_SPECS: Readonly<Record<string, CommandSpec>> = Object.fromEntries(
  Object.entries(COMMANDS).map(([name, c]) => [name, c.spec]),
);

function usageText(): string {
  return groupHelp(
    'patent-ledger',
    'The command line of patent-ledger. Settings come from the same LEDGER_* environment variables as the api (LEDGER_DB, LEDGER_READ_DB, ...).',
    Object.values(COMMANDS).map((c) => c.spec),
    'Run "patent-ledger <command> --help" (or "patent-ledger help <command>") for its options and an example.',
  );
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || (name === 'help' && args.length === 0)) {
    io.stdout.write(usageText());
    return name ? 0 : 2;
  }
  if (name === 'help') return main([...args, '--help'], env, io);
  const command = COMMANDS[name];
  if (!command) throw unknownCommand('patent-ledger', name, [...COMMAND_NAMES, 'help']);
  // Stored text reaches the terminal escaped: no control character, bidi override or lone surrogate.
  return command.run(args, env, PRINTS_STORED_TEXT.has(name) ? printableIo(io) : io);
}

/** Commands that print stored text (not those that draw progress on a terminal). */
const PRINTS_STORED_TEXT = new Set(['users', 'projections', 'verify', 'replay', 'export', 'verify-bundle']);

/**
 * Runs a command as the process does: its exit code, and a failure as one line on stderr
 * (`patent-ledger: reason`; the stack too with LEDGER_DEBUG).
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  try {
    return await main(argv, env, io);
  } catch (err) {
    const known =
      err instanceof CliError || err instanceof ConfigError || (err as { code?: string }).code !== undefined;
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`patent-ledger: ${printable(message)}\n`);
    if (!known && env['LEDGER_DEBUG']) io.stderr.write(`${(err as Error).stack}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

if (require.main === module) {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stderr.isTTY) };
  void runCli(process.argv.slice(2), process.env, io).then((code) => process.exit(code));
}
