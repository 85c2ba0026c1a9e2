/**
 * The read-model endpoints answer the same on SQLite and on PostgreSQL read models
 * (LEDGER_READ_MODELS): the same commands through the real application, then every read-model
 * endpoint, JSON and CSV, compared. The PostgreSQL half is skipped with one line when no server answers.
 */
import type { Response } from 'supertest';
import { postgresUnavailable } from '../../../../test/support/postgres';
import {
  actors,
  applicationNumber,
  EXAMPLES,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from '../../../../test/e2e/harness';

const unavailable = postgresUnavailable();
if (unavailable) process.stderr.write(`${unavailable}\n`);

const numbers = [1, 2, 3, 4, 5].map((i) => applicationNumber(2019, 1, 600 + i));

async function ok(res: Promise<Response> | Response): Promise<Response> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

/** Runs the same commands, then reads every read-model endpoint. */
async function answers(readModels: 'sqlite' | 'postgres'): Promise<Record<string, unknown>> {
  const saved = process.env['LEDGER_E2E_READ_MODELS'];
  process.env['LEDGER_E2E_READ_MODELS'] = readModels;
  let h: Harness | undefined;
  try {
    h = await startHarness();
    const harness = h;
    await registerInstitution(harness);
    for (const n of numbers) await pooledPatent(harness, n);
    const [a, b] = [numbers[0]!, numbers[1]!];
    await ok(
      send(harness, 'post', `/patents/${a}/evaluations`, EXAMPLES.evaluation, { headers: actors.enterprise }),
    );
    await ok(
      send(harness, 'post', `/patents/${a}/promotions`, EXAMPLES.promotion, { headers: actors.ipOffice }),
    );
    await ok(
      send(harness, 'post', `/patents/${b}/licenses`, EXAMPLES.license, { headers: actors.institution }),
    );
    const last = await ok(
      send(harness, 'post', `/patents/${b}/transfers`, EXAMPLES.transfer, { headers: actors.institution }),
    );
    const min = (last.body as { events: { position: number }[] }).events.at(-1)!.position;

    const get = async (path: string, csv = false): Promise<unknown> => {
      const sep = path.includes('?') ? '&' : '?';
      const r = await ok(
        harness
          .http()
          .get(`${path}${sep}minPosition=${min}`)
          .set('Accept', csv ? 'text/csv' : 'application/json')
          .set(actors.ipOffice),
      );
      return csv ? r.text : r.body;
    };
    /** Every page of a listing; cursors are signed per database, so only whether there was one is kept. */
    const pages = async (path: string): Promise<unknown[]> => {
      const out: unknown[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const body = (await get(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`)) as {
          nextCursor: string | null;
        };
        const { nextCursor, ...rest } = body;
        out.push({ ...rest, more: nextCursor !== null });
        cursor = nextCursor;
      } while (cursor);
      return out;
    };
    const audit = (await pages('/audit?limit=4')) as {
      items: { eventType: string; streamName: string; position: number }[];
    }[];
    return {
      pool: await pages('/resource-pool?limit=2'),
      poolByProspect: await pages('/resource-pool?limit=2&sort=prospect'),
      poolFiltered: await pages(`/resource-pool?status=in-deal`),
      // A title text with filters: one pass over the covering title index on both (strpos, instr).
      poolText: await pages(
        `/resource-pool?limit=2&q=${encodeURIComponent('陶瓷')}&mode=transfer&sort=prospect`,
      ),
      poolTextNone: await pages(`/resource-pool?limit=2&q=${encodeURIComponent('石墨烯')}`),
      entry: await get(`/resource-pool/${a}`),
      // Recorded times and ids differ between runs; the log itself must not.
      audit: audit.map((p) => p.items.map((i) => [i.position, i.eventType, i.streamName])),
      obligations: await pages('/obligations?asOf=2030-01-01&limit=2'),
      obligationsCsv: await get('/obligations?asOf=2030-01-01', true),
      progress: await get('/progress?asOf=2024-12-31'),
      progressCsv: await get('/progress?asOf=2024-12-31', true),
      poolCsv: await get('/resource-pool', true),
      projections: (
        (await get('/projections')) as { projections: { name: string; position: number; lag: number }[] }
      ).projections.map((p) => [p.name, p.position, p.lag]),
    };
  } finally {
    await h?.close();
    if (saved === undefined) delete process.env['LEDGER_E2E_READ_MODELS'];
    else process.env['LEDGER_E2E_READ_MODELS'] = saved;
  }
}

describe('read-model endpoints on SQLite and PostgreSQL read models', () => {
  let sqlite: Record<string, unknown>;
  beforeAll(async () => {
    sqlite = await answers('sqlite');
  });

  it('answer on SQLite', () => {
    expect((sqlite['pool'] as { total: number }[])[0]!.total).toBe(numbers.length);
    expect((sqlite['audit'] as unknown[][]).flat().length).toBeGreaterThan(numbers.length * 2);
    expect((sqlite['obligations'] as { total: number }[])[0]!.total).toBeGreaterThan(0);
    expect((sqlite['poolText'] as { total: number }[])[0]!.total).toBe(numbers.length);
    expect((sqlite['poolTextNone'] as { total: number }[])[0]!.total).toBe(0);
  });

  (unavailable ? it.skip : it)('answer the same on PostgreSQL', async () => {
    expect(await answers('postgres')).toEqual(sqlite);
  });
});
