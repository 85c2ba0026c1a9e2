/**
 * Child-process entry of one benchmark phase: `node phase.js <name> <json args>`. Reports its rows on
 * stdout (`BENCH_RESULT …`); progress goes to stderr. Phase modules are loaded on demand, so a phase
 * does not pay for (or fail on) the code of the others.
 */
import { emit } from './lib/common';
import { dropSchema, openStore } from './lib/stores';

/** Checks that the PostgreSQL store opens and answers (in a throw-away schema). */
async function pgProbe(args: { url: string; schema: string }): Promise<void> {
  const { store } = await openStore({ kind: 'postgres', pgUrl: args.url }, args.schema, { poolSize: 1 });
  try {
    await store.ping();
    const { Client } = await import('pg');
    const client = new Client({ connectionString: args.url });
    await client.connect();
    const v = await client.query<{ v: string; sc: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc",
    );
    await client.end();
    process.stdout.write(
      `BENCH_DETAIL ${JSON.stringify({ postgres: `PostgreSQL ${v.rows[0]!.v} (synchronous_commit=${v.rows[0]!.sc})` })}\n`,
    );
  } finally {
    await store.close();
    await dropSchema(args.url, args.schema);
  }
  emit([]);
}

type Phase = (args: never) => Promise<void>;

const PHASES: Record<string, () => Promise<Phase>> = {
  'pg-probe': async () => pgProbe,
  'import-file': async () => (await import('./phases/import.js')).importFilePhase,
  import: async () => (await import('./phases/import.js')).importPhase,
  appends: async () => (await import('./phases/appends.js')).appendsPhase,
  command: async () => (await import('./phases/command.js')).commandPhase,
  http: async () => (await import('./phases/http.js')).httpPhase,
  adapters: async () => (await import('./phases/adapters.js')).adaptersPhase,
  ledger: async () => (await import('./phases/projection.js')).ledgerPhase,
  'ledger-copy': async () => (await import('./phases/projection.js')).ledgerCopyPhase,
  projection: async () => (await import('./phases/projection.js')).projectionPhase,
  pool: async () => (await import('./phases/pool.js')).poolPhase,
  publishers: async () => (await import('./phases/publishers.js')).publishersPhase,
  transparency: async () => (await import('./phases/transparency.js')).transparencyPhase,
  console: async () => (await import('./phases/console.js')).consolePhase,
};

async function main(): Promise<void> {
  const [name, json] = process.argv.slice(2);
  const load = name ? PHASES[name] : undefined;
  if (!load) throw new Error(`unknown phase ${name}; known: ${Object.keys(PHASES).join(', ')}`);
  const phase = await load();
  await phase(JSON.parse(json ?? '{}') as never);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `phase failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
