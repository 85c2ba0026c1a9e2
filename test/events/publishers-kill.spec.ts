/**
 * Against the machine's NATS (JetStream) and RabbitMQ: an api process appending and publishing is
 * killed with SIGKILL mid-stream and started again on the same files; every event of the log then
 * reaches each subscription — once in the JetStream stream (its duplicate window drops the re-sent
 * copies), at least once in the RabbitMQ queue with copies dropped by id — each stream in order.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typescriptPrelude } from '@patent-ledger/eventsourcing';
import { checkDelivery } from '../../libs/publishers/src/testing/events';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { AMQP_TEST_URL, describeWithBrokers, NATS_TEST_URL } from '../support/brokers';
import {
  amqpCount,
  amqpDelete,
  amqpDrain,
  amqpQueue,
  eventually,
  natsCount,
  natsDeleteStream,
  natsMessages,
} from './support';

const ROOT = join(__dirname, '..', '..');
const EVENTS = 1500;
const KILL_AFTER = 500;

/** The api (createApp, its publishers on) in a child process; `append N` appends N events, one a millisecond or so. */
const childScript = `
  ${typescriptPrelude(join(ROOT, 'libs'))}
  const { createApp } = require(${JSON.stringify(join(ROOT, 'apps/api/src/app.factory.ts'))});
  const { loadConfig } = require(${JSON.stringify(join(ROOT, 'apps/api/src/config.ts'))});
  const { EVENT_STORE } = require(${JSON.stringify(join(ROOT, 'apps/api/src/ledger/tokens.ts'))});
  const { AppendNotifier } = require(${JSON.stringify(join(ROOT, 'apps/api/src/events/notifier.ts'))});
  const { testEvent } = require(${JSON.stringify(join(ROOT, 'libs/publishers/src/testing/events.ts'))});
  const [mode, count] = process.argv.slice(1);
  (async () => {
    const app = await createApp(loadConfig(process.env), { logger: false });
    await app.init();
    const store = app.get(EVENT_STORE);
    const notifier = app.get(AppendNotifier);
    process.stdout.write('started\\n');
    if (mode === 'append') {
      for (let i = 0; i < Number(count); i++) {
        await store.append('patent-K' + (i % 12), [testEvent('kill-' + i, 0, { n: i })], { expectedVersion: 'any' });
        // The publishers are woken every 50 appends (else they poll each second): some are always unpublished.
        if (i % 50 === 49) notifier.notify();
        process.stdout.write('appended ' + i + '\\n');
        if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    }
    setInterval(() => undefined, 1000);
  })().catch((e) => { process.stderr.write(String(e && e.stack) + '\\n'); process.exit(3); });
`;

function runApi(env: NodeJS.ProcessEnv, args: string[], killAfterLines?: number) {
  const child = spawn(process.execPath, ['-e', childScript, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_c, signal) => resolve(signal)),
  );
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (killAfterLines !== undefined && stdout.split('\n').length > killAfterLines + 1) child.kill('SIGKILL');
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { child, exited, output: () => stdout + stderr, started: () => stdout.includes('started\n') };
}

describeWithBrokers('publishers across an api kill -9 and restart', { brokers: ['nats', 'amqp'] }, () => {
  const tag = `kill${process.pid}`;
  const stream = `PL_TEST_${tag}`;
  const exchange = `pl-test-${tag}`;
  const queue = `pl-test-${tag}-q`;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-pubkill-'));
    await amqpQueue(AMQP_TEST_URL, exchange, queue);
  });
  afterAll(async () => {
    await natsDeleteStream(NATS_TEST_URL, stream);
    await amqpDelete(AMQP_TEST_URL, exchange, queue).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('every event reaches NATS and RabbitMQ, in order per stream, with nothing skipped', async () => {
    const env = {
      LEDGER_DB: join(dir, 'data', 'ledger.db'),
      LEDGER_TOKEN_KEY_FILE: join(dir, 'keys', 'token.pem'),
      LEDGER_SIGNING_KEY_FILE: 'off',
      LEDGER_WITNESS_DIR: 'off',
      LEDGER_PROJECTOR: 'off',
      LEDGER_REMINDER_DAYS: 'off',
      LEDGER_LOG_LEVEL: 'error',
      LEDGER_NATS_URL: NATS_TEST_URL,
      LEDGER_NATS_STREAM: stream,
      LEDGER_NATS_SUBJECT_PREFIX: `pl-test.${tag}`,
      LEDGER_AMQP_URL: AMQP_TEST_URL,
      LEDGER_AMQP_EXCHANGE: exchange,
    };
    const first = runApi(env, ['append', String(EVENTS)], KILL_AFTER);
    const signal = await first.exited;
    expect({ signal, output: signal === 'SIGKILL' ? '' : first.output() }).toEqual({
      signal: 'SIGKILL',
      output: '',
    });

    // What the log holds is the truth: every acknowledged append, and perhaps the one in flight.
    const read = SqliteEventStore.open(env.LEDGER_DB);
    const logged = await read.readAll({ limit: 100_000 });
    await read.close();
    expect(logged.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(logged.length).toBeLessThan(EVENTS);
    // Killed mid-stream: the brokers had not received everything yet (or the test proves nothing).
    const before = {
      nats: await natsCount(NATS_TEST_URL, stream).catch(() => 0),
      amqp: await amqpCount(AMQP_TEST_URL, queue),
    };

    const second = runApi(env, ['idle']);
    try {
      await eventually(
        'the restarted api publishes the rest',
        async () =>
          (await natsCount(NATS_TEST_URL, stream)) >= logged.length &&
          (await amqpCount(AMQP_TEST_URL, queue)) >= logged.length,
      );
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }

    const ids = new Set(logged.map((e) => e.metadata.eventId));
    const nats = await natsMessages(NATS_TEST_URL, stream);
    const natsReport = checkDelivery(nats, ids);
    expect(natsReport).toEqual({ duplicates: 0, missing: [], unexpected: [], outOfOrder: [] });
    expect(nats.map((e) => e.position)).toEqual(logged.map((e) => e.position));

    const amqp = await amqpDrain(AMQP_TEST_URL, exchange, queue);
    const amqpReport = checkDelivery(
      amqp.map((m) => m.event),
      ids,
    );
    expect({ ...amqpReport, duplicates: 0 }).toEqual({
      duplicates: 0,
      missing: [],
      unexpected: [],
      outOfOrder: [],
    });
    expect(amqp.every((m) => m.routingKey === 'PublisherTestEvent' && m.messageId === m.event.id)).toBe(true);
    process.stdout.write(
      `kill -9 at ${logged.length} events: NATS had ${before.nats}, RabbitMQ ${before.amqp}; after the restart RabbitMQ dropped ${amqpReport.duplicates} copies by id\n`,
    );
    expect(Math.min(before.nats, before.amqp)).toBeLessThan(logged.length);
  }, 120_000);
});
