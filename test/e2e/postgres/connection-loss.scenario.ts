/**
 * A PostgreSQL connection lost under load (issue 12, item 6), with the event store and the read
 * models on PostgreSQL: while clients send commands and queries, the test ends the api's own
 * connections (`pg_terminate_backend`, found by their `application_name`) several times. The api
 * must not exit (an `'error'` on a checked-out `pg` client had nobody listening), must answer 503
 * `STORE.UNAVAILABLE` (never a 500) for what the lost connections were doing, and must recover by
 * itself: later commands land, the projections catch up, every acknowledged command is stored once,
 * and a retry of a refused command with its Idempotency-Key lands once.
 */
import { Client } from 'pg';
import { PG_TEST_URL } from '../../support/postgres';
import { pgApplicationName } from '../../../apps/api/src/stores';
import {
  actors,
  applicationNumber,
  eventsOf,
  expectProblem,
  inventoryBody,
  newKey,
  projectionsCaughtUp,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from '../harness';

let h: Harness;
let admin: Client;
beforeAll(async () => {
  h = await startHarness();
  admin = new Client({ connectionString: PG_TEST_URL });
  await admin.connect();
  await registerInstitution(h);
});
afterAll(async () => {
  await admin?.end();
  await h?.close();
});

/** Ends every connection of this api (event store and read models, in any thread); how many. */
async function terminateApiConnections(): Promise<number> {
  const names = [pgApplicationName(h.config.pgSchema), pgApplicationName(`${h.config.pgSchema}_read`)];
  const { rows } = await admin.query<{ n: string }>(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
      WHERE application_name = ANY($1) AND pid <> pg_backend_pid()`,
    [names],
  );
  return Number(rows[0]!.n);
}

interface Sent {
  number: string;
  key: string;
  status: number;
  code?: string | undefined;
}

it("killing the api's connections under load: 503 meanwhile, never a crash or a 500, then it recovers by itself and loses nothing", async () => {
  const sent: Sent[] = [];
  const reads: string[] = [];
  let serial = 0;
  let stop = false;
  const writer = async () => {
    while (!stop) {
      const number = applicationNumber(2022, 1, 900_000 + ++serial);
      const key = newKey('pg-loss');
      const res = await send(h, 'post', '/patents', inventoryBody(number), {
        key,
        headers: actors.institution,
      });
      sent.push({ number, key, status: res.status, code: (res.body as { code?: string }).code });
    }
  };
  const reader = async () => {
    while (!stop) {
      const res = await h.http().get('/resource-pool').query({ limit: 5 }).set(actors.analyst);
      reads.push(res.status === 200 ? '200' : `${res.status} ${(res.body as { code?: string }).code}`);
    }
  };
  const load = [...Array.from({ length: 6 }, writer), reader(), reader()];
  let killed = 0;
  for (let round = 0; round < 5; round++) {
    const before = sent.length;
    while (sent.length < before + 20) await new Promise((r) => setTimeout(r, 10));
    killed += await terminateApiConnections();
  }
  const before = sent.length;
  while (sent.length < before + 40) await new Promise((r) => setTimeout(r, 10));
  stop = true;
  await Promise.all(load);
  expect(killed).toBeGreaterThan(0);

  // Only 201 and 503 STORE.UNAVAILABLE; reads only 200 and 503 STORE.UNAVAILABLE.
  const outcomes = new Set(sent.map((s) => `${s.status} ${s.status === 201 ? '' : s.code}`));
  for (const o of outcomes) expect(['201 ', '503 STORE.UNAVAILABLE']).toContain(o);
  for (const o of new Set(reads)) expect(['200', '503 STORE.UNAVAILABLE']).toContain(o);
  // It recovered by itself: the last commands of the run landed.
  expect(sent.slice(-10).map((s) => s.status)).toEqual(Array<number>(10).fill(201));

  // A refused command, retried with its key, lands once; every acknowledged one is stored once.
  for (const s of sent.filter((x) => x.status === 503)) {
    const retry = await send(h, 'post', '/patents', inventoryBody(s.number), {
      key: s.key,
      headers: actors.institution,
    });
    expect([201]).toContain(retry.status);
  }
  for (const s of sent)
    expect({ number: s.number, events: (await eventsOf(h, s.number)).length }).toEqual({
      number: s.number,
      events: 1,
    });

  // The read models caught up by themselves: the pool's projection passed the last event, none failed.
  await projectionsCaughtUp(h, 200);
  const answered = await h.http().get('/resource-pool').query({ limit: 1 }).set(actors.analyst);
  expect(answered.status).toBe(200);
}, 180_000);

it('a store that cannot be reached answers 503 STORE.UNAVAILABLE with a retry hint', async () => {
  // Every connection of the api ends while the next command runs.
  const n = applicationNumber(2022, 1, 990_001);
  await terminateApiConnections();
  const res = await send(h, 'post', '/patents', inventoryBody(n), { headers: actors.institution });
  if (res.status !== 201) {
    expectProblem(res, 503, 'STORE.UNAVAILABLE');
    expect(res.headers['retry-after']).toBeDefined();
  }
});
