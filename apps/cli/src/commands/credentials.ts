/**
 * Credentials of the CLI: the same token key and settings as the api (LEDGER_TOKEN_KEY_FILE,
 * LEDGER_TOKEN_ISSUER, LEDGER_TOKEN_AUDIENCE), so a token printed by `patent-ledger token` works
 * against an api started with the same settings, and a CLI write proves who it acts for.
 */
import { userInfo } from 'node:os';
import type { Principal } from '@patent-ledger/access';
import { InvalidCredentialError, LedgerTokens } from '@patent-ledger/identity';
import type { LedgerConfig } from '../../../api/src/config';
import { CliError } from '../cli-io';

export async function ledgerTokens(
  config: LedgerConfig,
  stderr: NodeJS.WritableStream,
): Promise<LedgerTokens> {
  const a = config.auth;
  return LedgerTokens.open(a.tokenKeyFile, { issuer: a.tokenIssuer, audience: a.tokenAudience }, (line) =>
    stderr.write(`patent-ledger: ${line}\n`),
  );
}

/**
 * The principal a CLI write acts for: the token given with --token or LEDGER_TOKEN, verified like the
 * api verifies it (signature, expiry, not-before, audience). No token: a one-line error.
 */
export async function cliPrincipal(
  config: LedgerConfig,
  token: string | undefined,
  env: NodeJS.ProcessEnv,
  stderr: NodeJS.WritableStream,
): Promise<Principal> {
  const value = token ?? env['LEDGER_TOKEN'];
  if (!value) {
    throw new CliError(
      'this command writes to the ledger and needs a credential: --token TOKEN or LEDGER_TOKEN (e.g. from "patent-ledger token --role institution --org ORG --user USER")',
      2,
    );
  }
  const tokens = await ledgerTokens(config, stderr);
  try {
    const verified = await tokens.verify(value.trim());
    return verified.principal;
  } catch (err) {
    if (err instanceof InvalidCredentialError)
      throw new CliError(`the token is not accepted: ${err.reason}`, 1);
    throw err;
  }
}

/** The operator of this installation (who holds the token key): admin of the accounts. */
export function operatorPrincipal(): Principal {
  let user = 'operator';
  try {
    user = userInfo().username.replace(/[^A-Za-z0-9._:@-]/g, '_') || 'operator';
  } catch {
    // no user name on this system
  }
  return {
    role: 'ip-office',
    orgId: 'ledger-operator',
    userId: `cli:${user}`.slice(0, 128),
    admin: true,
    source: 'ledger',
  };
}
