import { Projector } from '@patent-ledger/eventsourcing';
import { CliError, configFrom, openReadModels, openStore, parseArgs, usage, type CliIo } from '../cli-io';

/** rebuild [projection] */
export async function rebuild(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { positional } = parseArgs(args, {});
  if (positional.length > 1) throw usage('rebuild takes at most one projection name');
  const config = configFrom(env);
  const store = await openStore(config);
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
  const { flags } = parseArgs(args, { flags: ['once'] });
  const config = configFrom(env);
  const store = await openStore(config);
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
  parseArgs(args, {});
  const config = configFrom(env);
  const store = await openStore(config);
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
