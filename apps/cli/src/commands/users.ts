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
import { CliError, openReadModels, openStore, parseArgs, usage, type CliIo } from '../cli-io';
import { cliPrincipal, operatorPrincipal } from './credentials';

export const USERS_USAGE = `patent-ledger users <add|passwd|disable|enable|list> [options]

Accounts of people who sign in (POST /auth/login). Passwords (12 characters or more) are read from
standard input, one line; they are stored as scrypt hashes only.

  users add USER --org ORG --role ROLE [--name NAME] [--admin]   create an account (and its password)
  users passwd USER                                                 set or reset the password
  users disable USER --reason TEXT                                  disable (its sign-in tokens stop)
  users enable USER                                                 enable again
  users list                                                        the accounts of the ledger

Options:
  --role ROLE      ${ROLES.join(', ')}
  --admin          an ip-office admin (manages accounts, reads the denied-access log)
  --token TOKEN    act as this ip-office admin (default: LEDGER_TOKEN, else the operator who holds
                   the token key, recorded as ledger-operator/cli:<os user>)

Example:
  echo 'a long passphrase here' | patent-ledger users add admin --org sx-cnipa --role ip-office --admin --name 'Admin'`;

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
  const { positional, values, flags } = parseArgs(args, {
    values: ['org', 'role', 'name', 'reason', 'token'],
    flags: ['admin', 'help'],
  });
  const [sub, userId, ...rest] = positional;
  if (flags.has('help') || sub === undefined) {
    io.stdout.write(`${USERS_USAGE}\n`);
    return sub === undefined && !flags.has('help') ? 2 : 0;
  }
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
