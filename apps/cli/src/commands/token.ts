/**
 * `patent-ledger token --role ROLE --org ORG --user USER [--ttl 8h] [--admin]`: prints exactly one
 * bearer token on stdout, signed with the token key (LEDGER_TOKEN_KEY_FILE; created on first use).
 */
import { isRole, ROLES } from '@patent-ledger/access';
import { parseTtl } from '@patent-ledger/identity';
import { ConfigError, loadConfig } from '../../../api/src/config';
import { CliError, parseArgs, usage, type CliIo } from '../cli-io';
import { ledgerTokens } from './credentials';

export const TOKEN_USAGE = `patent-ledger token --role ROLE --org ORG --user USER [--ttl 8h] [--admin]

Prints one bearer token on stdout, signed with the token key of LEDGER_TOKEN_KEY_FILE (the api
verifies it with the same setting). The principal is bound to one organisation and one role.

Options:
  --role ROLE   ${ROLES.join(', ')}
  --org ORG     the organisation (an institution id, an enterprise id, an office id)
  --user USER   the user or service the token stands for
  --ttl TTL     lifetime: 90s, 15m, 8h, 30d (default 8h, at most 366d)
  --admin       an ip-office admin (manages accounts, reads the denied-access log)

Example:
  export TOKEN=$(patent-ledger token --role institution --org tyut --user tto-wang)
  curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/progress`;

export async function token(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { positional, values, flags } = parseArgs(args, {
    values: ['role', 'org', 'user', 'ttl'],
    flags: ['admin', 'help'],
  });
  if (flags.has('help')) {
    io.stdout.write(`${TOKEN_USAGE}\n`);
    return 0;
  }
  if (positional.length > 0)
    throw usage(`unexpected argument ${positional[0]}; see patent-ledger token --help`);
  for (const name of ['role', 'org', 'user'] as const) {
    if (values[name] === undefined) throw usage(`--${name} is required; see patent-ledger token --help`);
  }
  const role = values['role']!;
  if (!isRole(role)) throw usage(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  if (flags.has('admin') && role !== 'ip-office') throw usage('--admin goes with --role ip-office only');
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
