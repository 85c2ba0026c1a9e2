/**
 * Against the machine's RabbitMQ (no duplicate window, so every copy shows): two api processes on
 * the same files. One holds the publishers' lease and publishes, the other stands by — each event
 * goes out once while both run; after kill -9 of the publishing one the other takes the lease over
 * when it expires and publishes from the checkpoint, skipping nothing, each stream in order.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typescriptPrelude } from '@patent-ledger/eventsourcing';
import { PublisherState } from '@patent-ledger/publishers';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { appendRoundRobin, checkDelivery } from '../../libs/publishers/src/testing/events';
import { AMQP_TEST_URL, describeWithBrokers } from '../support/brokers';
import { amqpCount, amqpDelete, amqpDrain, amqpQueue, eventually, sleep } from './support';

const ROOT = join(__dirname, '..', '..');
const WHILE_BOTH = 300;
const AFTER_KILL = 200;

/** The api (createApp, its publishers on) in a child process; `append N` appends N events first. */
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
        await store.append('patent-D' + (i % 7), [testEvent('both-' + i, 0, { n: i })], { expectedVersion: 'any' });
        notifier.notify();
        if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      process.stdout.write('appended\\n');
    }
    setInterval(() => undefined, 1000);
  })().catch((e) => { process.stderr.write(String(e && e.stack) + '\\n'); process.exit(3); });
`;

function runApi(env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawn(process.execPath, ['-e', childScript, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_c, signal) => resolve(signal)),
  );
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, exited, output: () => out };
}

describeWithBrokers('one publisher across api processes (lease)', { brokers: ['amqp'] }, () => {
  const tag = `lease${process.pid}`;
  const exchange = `pl-test-${tag}`;
  const queue = `pl-test-${tag}-q`;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-publease-'));
    await amqpQueue(AMQP_TEST_URL, exchange, queue);
  });
  afterAll(async () => {
    await amqpDelete(AMQP_TEST_URL, exchange, queue).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes each event once while two run, and the standby takes over after kill -9 skipping nothing', async () => {
    const env = {
      LEDGER_DB: join(dir, 'data', 'ledger.db'),
      LEDGER_TOKEN_KEY_FILE: join(dir, 'keys', 'token.pem'),
      LEDGER_SIGNING_KEY_FILE: 'off',
      LEDGER_WITNESS_DIR: 'off',
      LEDGER_PROJECTOR: 'off',
      LEDGER_REMINDER_DAYS: 'off',
      LEDGER_LOG_LEVEL: 'error',
      LEDGER_AMQP_URL: AMQP_TEST_URL,
      LEDGER_AMQP_EXCHANGE: exchange,
      LEDGER_PUBLISHER_LEASE_MS: '1500',
    };
    const first = runApi(env, ['idle']);
    await eventually('the first api starts', async () => first.output().includes('started\n'));
    const second = runApi(env, ['append', String(WHILE_BOTH)]);
    try {
      await eventually('the second api appends', async () => second.output().includes('appended\n'));
      const state = PublisherState.open(join(dir, 'data', 'publishers.db'));
      const holder = state.leaseHolder('publishers');
      state.close();
      expect(holder).toContain(`:${first.child.pid}:`);
      await eventually(
        'the events are published',
        async () => (await amqpCount(AMQP_TEST_URL, queue)) >= WHILE_BOTH,
      );
      // Longer than a lease and a poll: a second publisher would have sent its copies by now.
      await sleep(2500);
      expect(await amqpCount(AMQP_TEST_URL, queue)).toBe(WHILE_BOTH);

      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      // Appended by a third writer: the survivor sees them by polling once it holds the lease.
      const store = SqliteEventStore.open(env.LEDGER_DB);
      await appendRoundRobin(store, AFTER_KILL, 5, 'after-kill');
      const logged = await store.readAll({ limit: 100_000 });
      await store.close();
      expect(logged).toHaveLength(WHILE_BOTH + AFTER_KILL);
      await eventually(
        'the standby takes over and publishes the rest',
        async () => (await amqpCount(AMQP_TEST_URL, queue)) >= logged.length,
      );
      const received = await amqpDrain(AMQP_TEST_URL, exchange, queue);
      expect(
        checkDelivery(
          received.map((m) => m.event),
          new Set(logged.map((e) => e.metadata.eventId)),
        ),
      ).toEqual({
        duplicates: 0,
        missing: [],
        unexpected: [],
        outOfOrder: [],
      });
      expect(received.map((m) => m.event.position)).toEqual(logged.map((e) => e.position));
    } finally {
      first.child.kill('SIGKILL');
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});
