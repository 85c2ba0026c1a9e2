/**
 * `patent-ledger token --role ROLE --org ORG --user USER [--ttl 8h] [--admin]`: prints exactly one
 * bearer token on stdout, signed with the token key (LEDGER_TOKEN_KEY_FILE; created on first use).
 */
import { ID_PATTERN, isRole, ROLES } from '@patent-ledger/access';
import { parseTtl } from '@patent-ledger/identity';
import { ConfigError, loadConfig } from '../../../api/src/config';
import { CliError, usage, type CliIo } from '../cli-io';
import { parseCommand, type CommandSpec } from '../parse';
import { ledgerTokens } from './credentials';

export const TOKEN_SPEC: CommandSpec = {
  name: 'token',
  summary: 'print one bearer token for a principal (signed with LEDGER_TOKEN_KEY_FILE)',
  usage: '--role ROLE --org ORG --user USER [options]',
  description: `Prints one bearer token on stdout, signed with the token key of LEDGER_TOKEN_KEY_FILE (the api
verifies it with the same setting). The principal is bound to one organisation and one role.`,
  options: [
    { flags: '--role <role>', description: ROLES.join(', ') },
    {
      flags: '--org <org>',
      description: 'the organisation (an institution id, an enterprise id, an office id)',
    },
    { flags: '--user <user>', description: 'the user or service the token stands for' },
    { flags: '--ttl <ttl>', description: 'lifetime: 90s, 15m, 8h, 30d (default 8h, at most 366d)' },
    { flags: '--admin', description: 'an ip-office admin (manages accounts, reads the denied-access log)' },
  ],
  examples: [
    'export TOKEN=$(patent-ledger token --role institution --org tyut --user tto-wang)',
    'curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/progress',
  ],
};

export async function token(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(TOKEN_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { positional, values, flags } = parsed;
  if (positional.length > 0)
    throw usage(`unexpected argument ${positional[0]}; see patent-ledger token --help`);
  for (const name of ['role', 'org', 'user'] as const) {
    if (values[name] === undefined) throw usage(`--${name} is required; see patent-ledger token --help`);
  }
  const role = values['role']!;
  if (!isRole(role)) throw usage(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  if (flags.has('admin') && role !== 'ip-office') throw usage('--admin goes with --role ip-office only');
  // Checked before the key is opened: a bad id must not create a key as a side effect.
  for (const name of ['org', 'user'] as const) {
    if (!ID_PATTERN.test(values[name]!)) {
      throw usage(`--${name} ${JSON.stringify(values[name])} is invalid: 1-128 letters, digits or . _ : @ -`);
    }
  }
  let ttlSeconds: number;
  try {
    ttlSeconds = parseTtl(values['ttl'] ?? '8h');
  } catch (err) {
    throw usage(`--ttl: ${(err as Error).message}`);
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const tokens = await ledgerTokens(config, io.stderr);
  let issued;
  try {
    issued = await tokens.issue(
      { role, orgId: values['org']!, userId: values['user']!, admin: flags.has('admin') },
      { ttlSeconds },
    );
  } catch (err) {
    throw usage((err as Error).message);
  }
  io.stdout.write(`${issued.token}\n`);
  return 0;
}
