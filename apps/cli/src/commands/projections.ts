import { Projector } from '@patent-ledger/eventsourcing';
import {
  CliError,
  configFrom,
  readModelsExist,
  openExistingStore,
  openReadModels,
  usage,
  type CliIo,
} from '../cli-io';
import { parseCommand, type CommandSpec } from '../parse';
import { ledgerProjections } from '../../../api/src/read-models/projections';

export const REBUILD_SPEC: CommandSpec = {
  name: 'rebuild',
  summary: 'rebuild one projection (or all) into shadow tables and swap them in atomically, with no downtime',
  usage: '[projection]',
  arguments: [
    { name: 'projection', description: 'resource-pool, audit, obligations, progress, ... (default: all)' },
  ],
  options: [],
  examples: ['patent-ledger rebuild', 'patent-ledger rebuild resource-pool'],
};

export const PROJECT_SPEC: CommandSpec = {
  name: 'project',
  summary: 'run the projector as its own process (with LEDGER_PROJECTOR=off on the api)',
  options: [{ flags: '--once', description: 'catch up once and exit' }],
  examples: ['LEDGER_PROJECTOR=off npm start & patent-ledger project', 'patent-ledger project --once'],
};

export const PROJECTIONS_SPEC: CommandSpec = {
  name: 'projections',
  summary: "each projection's position and lag",
  description:
    "Each projection's position and lag. Nothing is created: a missing ledger or read-model database is an error.",
  options: [],
  examples: ['patent-ledger projections'],
};

/** rebuild [projection] */
export async function rebuild(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(REBUILD_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { positional } = parsed;
  if (positional.length > 1) throw usage('rebuild takes at most one projection name');
  const config = configFrom(env);
  const store = await openExistingStore(config);
  const rm = await openReadModels(config);
  try {
    await rm.init(store);
    const names = positional[0] ? [positional[0]] : [...rm.projectionNames];
    for (const n of names) {
      if (!rm.projectionNames.includes(n))
        throw new CliError(`unknown projection "${n}"; known: ${rm.projectionNames.join(', ')}`);
    }
    for (const name of names) {
      const started = Date.now();
      const { position, events } = await rm.rebuild(name, store);
      const secs = (Date.now() - started) / 1000;
      io.stdout.write(
        `rebuilt ${name}: ${events} events to position ${position} in ${secs.toFixed(1)} s (${Math.round(events / Math.max(secs, 0.001))} events/s)\n`,
      );
    }
    return 0;
  } finally {
    await rm.close();
    await store.close();
  }
}

/** project [--once] */
export async function project(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(PROJECT_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { flags, positional } = parsed;
  if (positional.length) throw usage('project takes no positional arguments');
  const config = configFrom(env);
  const store = await openExistingStore(config);
  const rm = await openReadModels(config);
  try {
    await rm.init(store);
    const projector = new Projector(store, rm, {
      batchSize: config.projectorBatchSize,
      onError: (e) => io.stderr.write(`${e.message}\n`),
    });
    await projector.init();
    if (flags.has('once')) {
      const n = await projector.catchUp();
      io.stdout.write(`applied ${n} events\n`);
      return 0;
    }
    projector.start();
    io.stdout.write('projector running; Ctrl-C to stop\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await projector.stop();
    return 0;
  } finally {
    await rm.close();
    await store.close();
  }
}

/** projections: position and lag of each projection */
export async function projections(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(PROJECTIONS_SPEC, args, io);
  if (!parsed) return 0; // --help
  if (parsed.positional.length) throw usage('projections takes no positional arguments');
  const config = configFrom(env);
  const store = await openExistingStore(config);
  if (
    !(await readModelsExist(config).catch(async (err: unknown) => {
      await store.close();
      throw err;
    }))
  ) {
    // Not built yet: every projection is at 0, and nothing is created to say so.
    try {
      const head = await store.headPosition();
      for (const p of ledgerProjections(config)) io.stdout.write(`${p.name}\tposition 0\tlag ${head}\n`);
      io.stdout.write(
        '(the read models are not built yet: the api or "patent-ledger project" builds them)\n',
      );
      return 0;
    } finally {
      await store.close();
    }
  }
  const rm = await openReadModels(config);
  try {
    for (const s of await new Projector(store, rm).status()) {
      io.stdout.write(`${s.name}\tposition ${s.position}\tlag ${s.lag}\n`);
    }
    return 0;
  } finally {
    await rm.close();
    await store.close();
  }
}
