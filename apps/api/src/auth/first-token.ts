import type { LedgerConfig } from '../config';

/** What `npm start` prints on an empty ledger: how to get a first token or a first admin account. */
export function firstTokenHint(config: LedgerConfig): string {
  return [
    'the ledger is empty. Every request but GET /health needs a credential (Authorization: Bearer <token>):',
    `  a token:   TOKEN=$(npm run --silent cli -- token --role ip-office --org my-office --user me --admin)`,
    `  an admin:  echo 'a long passphrase' | npm run --silent cli -- users add admin --org my-office --role ip-office --admin`,
    `             then POST /auth/login {"user":"admin","password":"a long passphrase"}`,
    `tokens are signed with ${config.auth.tokenKeyFile} (LEDGER_TOKEN_KEY_FILE); run the CLI with the same settings as the api.`,
  ].join('\n');
}
