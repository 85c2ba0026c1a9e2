/**
 * `patent-ledger users add|passwd|disable|enable|list`: accounts of people on the embedded identity
 * store. The password is read from standard input (never an argument). The first admin comes from
 * here: `users add` acts as the operator of the installation, who holds the token key.
 */
import { ROLES } from '@patent-ledger/access';
import { accountStream, type AccountCommand } from '@patent-ledger/domain';
import { hashPassword, loadAccount, passwordProblem, runAccountCommand } from '@patent-ledger/identity';
import { ConfigError, loadConfig, type LedgerConfig } from '../../../api/src/config';
import { listAccounts } from '@patent-ledger/read-models';
import { CliError, openReadModels, openStore, usage, type CliIo } from '../cli-io';
import { groupHelp, parseCommand, unknownCommand, type CommandSpec } from '../parse';
import { cliPrincipal, operatorPrincipal } from './credentials';

const TOKEN_OPTION = {
  flags: '--token <token>',
  description:
    'act as this ip-office admin (default: LEDGER_TOKEN, else the operator who holds the token key, recorded as ledger-operator/cli:<os user>)',
};
const USER_ARGUMENT = { name: 'USER', description: 'the account id' };

/** Each subcommand of `patent-ledger users`. */
export const USERS_SPECS: Record<string, CommandSpec> = {
  add: {
    name: 'users add',
    summary: 'create an account (its password read from standard input)',
    usage: 'USER --org ORG --role ROLE [options]',
    arguments: [USER_ARGUMENT],
    options: [
      { flags: '--org <org>', description: 'its organisation (required)' },
      { flags: '--role <role>', description: `${ROLES.join(', ')} (required)` },
      { flags: '--name <name>', description: 'display name (default: USER)' },
      { flags: '--admin', description: 'an ip-office admin (manages accounts, reads the denied-access log)' },
      TOKEN_OPTION,
    ],
    examples: [
      "echo 'a long passphrase here' | patent-ledger users add admin --org sx-cnipa --role ip-office --admin --name 'Admin'",
    ],
  },
  passwd: {
    name: 'users passwd',
    summary: 'set or reset the password (from standard input)',
    usage: 'USER [options]',
    arguments: [USER_ARGUMENT],
    options: [TOKEN_OPTION],
    examples: ["echo 'another long passphrase' | patent-ledger users passwd tto-wang"],
  },
  disable: {
    name: 'users disable',
    summary: 'disable an account (its sign-in tokens stop)',
    usage: 'USER --reason TEXT [options]',
    arguments: [USER_ARGUMENT],
    options: [{ flags: '--reason <text>', description: 'why (required)' }, TOKEN_OPTION],
    examples: ["patent-ledger users disable tto-wang --reason 'left the TTO'"],
  },
  enable: {
    name: 'users enable',
    summary: 'enable an account again',
    usage: 'USER [options]',
    arguments: [USER_ARGUMENT],
    options: [TOKEN_OPTION],
    examples: ['patent-ledger users enable tto-wang'],
  },
  list: {
    name: 'users list',
    summary: 'the accounts of the ledger',
    options: [TOKEN_OPTION],
    examples: ['patent-ledger users list'],
  },
};

const USERS_DESCRIPTION = `Accounts of people who sign in (POST /auth/login). Passwords (12 characters or more) are read from
standard input, one line; they are stored as scrypt hashes only.`;

/** `patent-ledger users --help`: the subcommands. */
export const usersHelp = (): string =>
  groupHelp(
    'patent-ledger users',
    USERS_DESCRIPTION,
    Object.values(USERS_SPECS),
    'Run "patent-ledger users <command> --help" for its options and an example.',
  );

async function readPassword(io: CliIo): Promise<string> {
  const stdin = (io as CliIo & { stdin?: NodeJS.ReadableStream }).stdin ?? process.stdin;
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  const problem = passwordProblem(password);
  if (problem) throw new CliError(`the password read from standard input is not accepted: ${problem}`, 2);
  return password;
}

export async function users(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [sub, ...subArgs] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(usersHelp());
    return sub === undefined ? 2 : 0;
  }
  const spec = USERS_SPECS[sub];
  if (!spec) throw unknownCommand('patent-ledger users', sub, Object.keys(USERS_SPECS));
  const parsed = parseCommand(spec, subArgs, io);
  if (!parsed) return 0; // --help
  const { values, flags } = parsed;
  const [userId, ...rest] = parsed.positional;
  if (rest.length > 0) throw usage(`unexpected argument ${rest[0]}; see patent-ledger users --help`);
  let config: LedgerConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  if (sub !== 'list' && userId === undefined)
    throw usage(`users ${sub} needs a USER; see patent-ledger users --help`);
  const actor =
    values['token'] !== undefined || env['LEDGER_TOKEN']
      ? await cliPrincipal(config, values['token'], env, io.stderr)
      : operatorPrincipal();
  if (!(actor.role === 'ip-office' && actor.admin)) {
    throw new CliError(
      `accounts are managed by an ip-office admin; the token is ${actor.role} ${actor.orgId}`,
    );
  }
  let command: AccountCommand;
  switch (sub) {
    case 'add': {
      for (const name of ['org', 'role'] as const) {
        if (values[name] === undefined) throw usage(`--${name} is required; see patent-ledger users --help`);
      }
      command = {
        type: 'CreateUser',
        data: {
          userId: userId!,
          orgId: values['org']!,
          role: values['role']!,
          displayName: values['name'] ?? userId!,
          admin: flags.has('admin'),
          passwordHash: await hashPassword(await readPassword(io)),
        },
      };
      break;
    }
    case 'passwd':
      command = {
        type: 'SetPassword',
        data: { userId: userId!, passwordHash: await hashPassword(await readPassword(io)) },
      };
      break;
    case 'disable':
      if (values['reason'] === undefined) throw usage('--reason is required; see patent-ledger users --help');
      command = { type: 'DisableUser', data: { userId: userId!, reason: values['reason'] } };
      break;
    case 'enable':
      command = { type: 'EnableUser', data: { userId: userId! } };
      break;
    case 'list':
      return list(config, io);
    default:
      throw usage(`unknown subcommand users ${sub}; use add, passwd, disable, enable or list`);
  }
  const store = await openStore(config);
  try {
    const outcome = await runAccountCommand(store, command, actor, new Date().toISOString());
    const what = outcome.events.map((e) => e.type).join(', ') || 'nothing changed';
    io.stdout.write(`${accountStream(userId!)}: ${what} (version ${outcome.version})\n`);
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code) throw new CliError(`${code}: ${(err as Error).message}`);
    throw err;
  } finally {
    await store.close();
  }
}

async function list(config: LedgerConfig, io: CliIo): Promise<number> {
  // The accounts read model lists them; each account's own stream says whether it is disabled now.
  const rm = await openReadModels(config);
  const store = await openStore(config);
  try {
    const items = await listAccounts(rm.sql);
    for (const a of items) {
      const { state } = await loadAccount(store, a.userId);
      const status = state.status === 'none' ? 'unknown' : state.status;
      io.stdout.write(
        `${a.userId}\t${a.orgId}\t${a.role}${a.admin ? ' (admin)' : ''}\t${status}\t${a.displayName}\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
    await rm.close();
  }
}
