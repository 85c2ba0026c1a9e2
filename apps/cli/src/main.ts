#!/usr/bin/env node
import { ConfigError, loadConfig } from '../../api/src/config';
import { openReadModels, openStore } from '../../api/src/app.factory';
import { Projector } from '@patent-ledger/eventsourcing';

const USAGE = `patent-ledger <command> [options]

Commands:
  rebuild [projection]   rebuild one projection (or all) from position 0 into fresh tables while
                         queries keep answering from the old ones, then swap them in atomically
  project [--once]       run the projector as its own process (use with LEDGER_PROJECTOR=off on the api)
  projections            print each projection's position and lag
  help                   this text

Settings come from the same LEDGER_* environment variables as the api (LEDGER_DB, LEDGER_READ_DB, ...).`;

/** A CLI failure: one line on stderr and a non-zero exit. */
class CliError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  switch (command) {
    case 'rebuild':
      return rebuild(config, args);
    case 'project':
      return project(config, args);
    case 'projections':
      return projections(config);
    default:
      throw new CliError(`unknown command "${command}"; run "patent-ledger help"`);
  }
}

type Config = ReturnType<typeof loadConfig>;

async function rebuild(config: Config, args: string[]): Promise<number> {
  if (args.length > 1) throw new CliError('rebuild takes at most one projection name');
  const store = openStore(config);
  const rm = openReadModels(config);
  try {
    await rm.init(store);
    const names = args[0] ? [args[0]] : [...rm.projectionNames];
    for (const n of names) {
      if (!rm.projectionNames.includes(n)) {
        throw new CliError(`unknown projection "${n}"; known: ${rm.projectionNames.join(', ')}`);
      }
    }
    for (const name of names) {
      const started = Date.now();
      const { position, events } = await rm.rebuild(name, store);
      const secs = (Date.now() - started) / 1000;
      process.stdout.write(
        `rebuilt ${name}: ${events} events to position ${position} in ${secs.toFixed(1)} s (${Math.round(events / Math.max(secs, 0.001))} events/s)\n`,
      );
    }
    return 0;
  } finally {
    await rm.close();
    await store.close();
  }
}

async function project(config: Config, args: string[]): Promise<number> {
  const once = args.includes('--once');
  const store = openStore(config);
  const rm = openReadModels(config);
  await rm.init(store);
  const projector = new Projector(store, rm, { onError: (e) => process.stderr.write(`${e.message}\n`) });
  await projector.init();
  if (once) {
    const n = await projector.catchUp();
    process.stdout.write(`applied ${n} events\n`);
    await rm.close();
    await store.close();
    return 0;
  }
  projector.start();
  process.stdout.write('projector running; Ctrl-C to stop\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await projector.stop();
  await rm.close();
  await store.close();
  return 0;
}

async function projections(config: Config): Promise<number> {
  const store = openStore(config);
  const rm = openReadModels(config);
  try {
    const projector = new Projector(store, rm);
    const status = await projector.status();
    for (const s of status) process.stdout.write(`${s.name}\tposition ${s.position}\tlag ${s.lag}\n`);
    return 0;
  } finally {
    await rm.close();
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg = err instanceof CliError || err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`patent-ledger: ${msg}\n`);
    process.exit(1);
  },
);
