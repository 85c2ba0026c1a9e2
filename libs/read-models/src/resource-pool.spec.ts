import { Projector } from '@patent-ledger/eventsourcing';
import { QueryError } from './cursor';
import { evolvePatent, initialPatentState, upcastPatentEvent, type PatentState } from '@patent-ledger/domain';
import { poolEntryOf, resourcePoolProjection, type PoolEntry } from './projections/resource-pool';
import {
  getPoolEntry,
  queryResourcePool,
  type PoolPage,
  type PoolPageRequest,
} from './queries/resource-pool';
import type { SqliteReadModels } from './sqlite-read-models';
import type { ReadModelDb, SqlParams } from './sql';
import { applicationNumber as an, Ledger, openReadModels } from './testing/fixtures';

const NO_FLAGS = {
  strategicEmergingIndustry: false,
  overseasFamily: false,
  maintainedOver10Years: false,
  pledgeFinancing: false,
  award: false,
};
const NO_WILLINGNESS = { none: 0, watch: 0, interested: 0, license: 0, purchase: 0, 'joint-rd': 0 };
const NO_NEEDS = { none: 0, minor: 0, major: 0, 'pilot-needed': 0 };

interface Env {
  ledger: Ledger;
  rm: SqliteReadModels;
  sync(): Promise<void>;
  page(req?: PoolPageRequest): Promise<PoolPage>;
  entry(applicationNumber: string): Promise<PoolEntry | undefined>;
  /** Application numbers of a one-page listing. */
  ids(req?: PoolPageRequest): Promise<string[]>;
  /** Every entry of a traversal with `limit`, following cursors. */
  traverse(
    req: PoolPageRequest,
    between?: (pageIndex: number) => Promise<void>,
  ): Promise<{ items: PoolEntry[]; pages: PoolPage[] }>;
}

let open: SqliteReadModels[] = [];
afterEach(async () => {
  for (const rm of open) await rm.close();
  open = [];
});

async function setup(batchSize = 5, ledger = new Ledger()): Promise<Env> {
  const rm = await openReadModels(':memory:', [resourcePoolProjection]);
  open.push(rm);
  const projector = new Projector(ledger.store, rm, { batchSize });
  await projector.init();
  const checkpoint = (): number => rm.checkpointSync('resource-pool');
  const page = (req: PoolPageRequest = {}): Promise<PoolPage> =>
    queryResourcePool(rm.sql, { limit: 500, ...req }, checkpoint);
  return {
    ledger,
    rm,
    sync: async () => {
      await projector.catchUp();
      expect(checkpoint()).toBe(await ledger.store.headPosition());
    },
    page,
    entry: (a) => getPoolEntry(rm.sql, a),
    ids: async (req = {}) => (await page(req)).items.map((i) => i.applicationNumber),
    traverse: async (req, between) => {
      const items: PoolEntry[] = [];
      const pages: PoolPage[] = [];
      let cursor: string | null = null;
      do {
        const p: PoolPage = await page({ ...req, ...(cursor ? { cursor } : {}) });
        pages.push(p);
        items.push(...p.items);
        cursor = p.nextCursor;
        if (pages.length > 100) throw new Error('the traversal does not end');
        if (cursor && between) await between(pages.length);
      } while (cursor);
      return { items, pages };
    },
  };
}

const numbers = (items: PoolEntry[]): string[] => items.map((i) => i.applicationNumber);

describe('resource pool: membership', () => {
  it('lists only admitted patents, with the full entry', async () => {
    const e = await setup();
    const [a, b, c] = [an(1), an(2), an(3)];
    await e.ledger.inventory(a, {
      title: '锂电池陶瓷涂覆隔膜',
      ipc: ['H01M 50/403', 'H01M 10/0525'],
      highValueFlags: { strategicEmergingIndustry: true },
    });
    await e.ledger.inventory(b);
    await e.ledger.inventory(c);
    const tagged = await e.ledger.admit(a, { askingPrice: '1250000', modes: ['transfer', 'license'] });
    await e.ledger.decline(b);
    await e.sync();

    const expected: PoolEntry = {
      applicationNumber: a,
      institutionId: 'tyut',
      title: '锂电池陶瓷涂覆隔膜',
      kind: 'invention',
      ipc: ['H01M 50/403', 'H01M 10/0525'],
      grantDate: '2020-06-20',
      cohort: 'stock',
      highValue: true,
      highValueFlags: { ...NO_FLAGS, strategicEmergingIndustry: true },
      modes: ['transfer', 'license'],
      askingPrice: '1250000.00',
      admittedOn: '2024-03-10',
      status: 'available',
      // 专利法 Art. 42: filed 2018-03-15, the last day is the day before the 20th anniversary
      expiryDate: '2038-03-14',
      evaluationSummary: {
        count: 0,
        meanProspect: null,
        willingness: NO_WILLINGNESS,
        improvementNeeds: NO_NEEDS,
      },
      promotions: [],
      featured: false,
      lastActivity: { position: tagged.events[0]!.position, on: '2024-03-10', eventType: 'IntentTagged' },
    };
    expect(tagged.events[0]!.position).toBe(4);
    const page = await e.page();
    expect(page).toEqual({ items: [expected], total: 1, asOfPosition: 5, nextCursor: null });
    expect(await e.entry(a)).toEqual(expected);
    expect(await e.entry(b)).toBeUndefined();
    expect(await e.entry(c)).toBeUndefined();
    expect(await e.entry(an(99))).toBeUndefined();
  });

  it('re-tagging: admitted → declined removes, declined → admitted adds back, modes and price follow the latest tag', async () => {
    const e = await setup();
    const [a, b] = [an(1), an(2)];
    await e.ledger.inventory(a);
    await e.ledger.inventory(b);
    await e.ledger.admit(a, { occurredOn: '2024-03-10', askingPrice: '10' });
    await e.ledger.decline(b, { occurredOn: '2024-03-11' });
    await e.sync();
    expect(await e.ids()).toEqual([a]);

    // admitted → admitted with other modes: modes updated, admittedOn kept, price dropped.
    await e.ledger.admit(a, { modes: ['self-implementation'], occurredOn: '2024-04-01' });
    await e.sync();
    const retagged = (await e.entry(a))!;
    expect(retagged.modes).toEqual(['self-implementation']);
    expect(retagged.admittedOn).toBe('2024-03-10');
    expect(retagged).not.toHaveProperty('askingPrice');
    expect(await e.ids({ mode: 'transfer' })).toEqual([]);
    expect(await e.ids({ mode: 'self-implementation' })).toEqual([a]);

    // admitted → declined removes; declined → admitted adds with the new admission date.
    await e.ledger.decline(a, { occurredOn: '2024-05-01' });
    await e.ledger.admit(b, { modes: ['license'], occurredOn: '2024-05-02' });
    await e.sync();
    expect(await e.ids()).toEqual([b]);
    expect(await e.entry(a)).toBeUndefined();
    expect(await e.entry(b)).toMatchObject({
      modes: ['license'],
      admittedOn: '2024-05-02',
      status: 'available',
    });
    expect((await e.page()).total).toBe(1);

    // back again: a is re-admitted on the new date.
    await e.ledger.admit(a, { occurredOn: '2024-06-01' });
    await e.sync();
    expect((await e.entry(a))!.admittedOn).toBe('2024-06-01');
    expect(await e.ids()).toEqual([a, b]);
  });

  it('keeps one current row per patent however often it changes, and one closed version per batch that changed it', async () => {
    const e = await setup(5);
    const a = an(1);
    await e.ledger.inventory(a);
    await e.ledger.admit(a);
    for (let i = 0; i < 4; i++) await e.ledger.evaluate(a, `ev-${i}`, `ent-${i % 2}`, 1 + i);
    await e.ledger.decline(a);
    await e.ledger.admit(a);
    await e.sync();
    const history = e.rm.db
      .prepare('SELECT valid_from, valid_to FROM pool_history WHERE application_number = ? ORDER BY row_id')
      .all(a) as { valid_from: number; valid_to: number }[];
    const current = e.rm.db
      .prepare('SELECT last_position FROM pool_rows WHERE application_number = ?')
      .all(a) as { last_position: number }[];
    // Batches of 5: inventoried at 1, admitted at 2, evaluated at 3..5 (version from 5); then evaluated
    // at 6, declined at 7 and re-admitted at 8 (the version from 5 closes at 8, the new one from 8).
    expect(history).toEqual([{ valid_from: 5, valid_to: 8 }]);
    expect(current).toEqual([{ last_position: 8 }]);
  });
});

describe('resource pool: evaluations and promotions', () => {
  it('a second evaluation by the same enterprise supersedes the first', async () => {
    const e = await setup();
    const a = an(1);
    await e.ledger.inventory(a);
    await e.ledger.admit(a);
    await e.ledger.evaluate(a, 'ev-1', 'ent-a', 2, {
      cooperationWillingness: 'watch',
      improvementNeeds: { level: 'major' },
    });
    await e.sync();
    expect((await e.entry(a))!.evaluationSummary).toEqual({
      count: 1,
      meanProspect: 2,
      willingness: { ...NO_WILLINGNESS, watch: 1 },
      improvementNeeds: { ...NO_NEEDS, major: 1 },
    });
    await e.ledger.evaluate(a, 'ev-2', 'ent-a', 5, {
      cooperationWillingness: 'purchase',
      improvementNeeds: { level: 'none' },
    });
    await e.sync();
    expect((await e.entry(a))!.evaluationSummary).toEqual({
      count: 1,
      meanProspect: 5,
      willingness: { ...NO_WILLINGNESS, purchase: 1 },
      improvementNeeds: { ...NO_NEEDS, none: 1 },
    });
  });

  it('summarises evaluations over enterprises: mean prospect (2 decimals), willingness and improvement-need counts', async () => {
    const e = await setup();
    const a = an(1);
    await e.ledger.inventory(a);
    await e.ledger.admit(a);
    await e.ledger.evaluate(a, 'ev-a', 'ent-a', 5, {
      cooperationWillingness: 'license',
      improvementNeeds: { level: 'minor' },
    });
    await e.ledger.evaluate(a, 'ev-b', 'ent-b', 4, {
      cooperationWillingness: 'license',
      improvementNeeds: { level: 'pilot-needed' },
    });
    await e.ledger.evaluate(a, 'ev-c', 'ent-c', 4, {
      cooperationWillingness: 'joint-rd',
      improvementNeeds: { level: 'minor' },
    });
    await e.ledger.evaluate(a, 'ev-b2', 'ent-b', 1, {
      cooperationWillingness: 'none',
      improvementNeeds: { level: 'major' },
    });
    await e.sync();
    // current: a 5, c 4, b 1 → 10 / 3 = 3.33
    expect((await e.entry(a))!.evaluationSummary).toEqual({
      count: 3,
      meanProspect: 3.33,
      willingness: { ...NO_WILLINGNESS, license: 1, 'joint-rd': 1, none: 1 },
      improvementNeeds: { ...NO_NEEDS, minor: 2, major: 1 },
    });
    expect(await e.ids({ minProspect: 3.33 })).toEqual([a]);
    expect(await e.ids({ minProspect: 3.34 })).toEqual([]);
  });

  it('lists promotions, marks featured ones, and filters by tier', async () => {
    const e = await setup();
    const [a, b, c] = [an(1), an(2), an(3)];
    for (const x of [a, b, c]) {
      await e.ledger.inventory(x);
      await e.ledger.admit(x);
    }
    await e.ledger.promote(a, 'pr-a', 'standard', { channel: 'online', occurredOn: '2024-05-01' });
    await e.ledger.promote(b, 'pr-b1', 'standard', { channel: 'roadshow', occurredOn: '2024-05-02' });
    await e.ledger.promote(b, 'pr-b2', 'featured', {
      channel: 'expo',
      organizer: '太原市知识产权局',
      occurredOn: '2024-05-03',
    });
    await e.sync();
    expect((await e.entry(b))!.promotions).toEqual([
      {
        promotionId: 'pr-b1',
        channel: 'roadshow',
        tier: 'standard',
        organizer: '山西省知识产权局',
        occurredOn: '2024-05-02',
      },
      {
        promotionId: 'pr-b2',
        channel: 'expo',
        tier: 'featured',
        organizer: '太原市知识产权局',
        occurredOn: '2024-05-03',
      },
    ]);
    expect((await e.entry(b))!.featured).toBe(true);
    expect((await e.entry(a))!.featured).toBe(false);
    expect((await e.entry(a))!.promotions).toHaveLength(1);
    expect((await e.entry(c))!.promotions).toEqual([]);
    expect(await e.ids({ tier: 'featured' })).toEqual([b]);
    expect(await e.ids({ tier: 'standard' })).toEqual([a]);
    expect(await e.ids()).toEqual([b, a, c]);
  });
});

describe('resource pool: expiry and lapse follow from the dates, for any asOf (专利法 Art. 42; 细则 r.98–100)', () => {
  it('专利法 Art. 42: a patent past its last day of protection is listed as expired, not available — with no command', async () => {
    const e = await setup();
    // a utility model filed 2016-08-01: last day of protection 2026-07-31
    const um = an(7, 2016, '2');
    const inv = an(8);
    await e.ledger.inventory(um, { filingDate: '2016-08-01', grantDate: '2017-05-10' });
    await e.ledger.inventory(inv);
    await e.ledger.admit(um);
    await e.ledger.admit(inv);
    await e.sync();
    expect((await e.page({ asOf: '2026-07-31' })).items.map((i) => [i.applicationNumber, i.status])).toEqual(
      expect.arrayContaining([
        [um, 'available'],
        [inv, 'available'],
      ]),
    );
    const after = await e.page({ asOf: '2026-08-01' });
    expect(after.items.find((i) => i.applicationNumber === um)).toMatchObject({
      status: 'expired',
      expiryDate: '2026-07-31',
    });
    expect(await e.ids({ asOf: '2026-08-01', status: 'available' })).toEqual([inv]);
    expect(await e.ids({ asOf: '2026-08-01', status: 'expired' })).toEqual([um]);
    expect(await e.ids({ asOf: '2026-07-31', status: 'expired' })).toEqual([]);
    // the default date is today in China: 2026-08-01 or later on any machine running this now
    expect((await e.entry(um))?.status).toBe('expired');
  });

  it('细则 r.98–100: an annuity unpaid past its grace period lists the patent as lapsed from the day after the grace end', async () => {
    const e = await setup();
    const a = an(9);
    // filed 2018-03-15, granted in year 3; paid through 6: year 7 is due on 2024-03-15; its grace
    // period ends on Sunday 2024-09-15, in the Mid-Autumn holiday (15–17 Sep) → Wednesday 2024-09-18
    await e.ledger.inventory(a, { annuitiesPaidThrough: 6 });
    // admitted while the annuity could still be paid (decided today, it would be refused: PATENT.LAPSED)
    await expect(e.ledger.admit(a)).rejects.toMatchObject({ code: 'PATENT.LAPSED' });
    await e.ledger.admit(a, {}, { now: '2024-09-01T04:00:00Z' });
    await e.sync();
    expect((await e.page({ asOf: '2024-09-18' })).items[0]).toMatchObject({
      status: 'available',
      nextAnnuity: { year: 7, dueDate: '2024-03-15', graceEnd: '2024-09-18' },
    });
    expect((await e.page({ asOf: '2024-09-19' })).items[0]?.status).toBe('lapsed');
    expect(await e.ids({ asOf: '2024-09-19', status: 'lapsed' })).toEqual([a]);
    expect(await e.ids({ asOf: '2024-09-19', status: 'available' })).toEqual([]);
    expect(await e.ids({ asOf: '2024-09-18', status: 'available' })).toEqual([a]);
  });

  it('细则 r.98–100: a payment within the grace period keeps it available; the next annuity comes due', async () => {
    const e = await setup();
    const a = an(10);
    await e.ledger.inventory(a, { annuitiesPaidThrough: 6 });
    await e.ledger.patent(a, 'PayAnnuity', { year: 7, paidOn: '2024-09-18', amount: '2000.00' });
    await e.ledger.admit(a);
    await e.sync();
    expect((await e.page({ asOf: '2025-01-01' })).items[0]).toMatchObject({
      status: 'available',
      nextAnnuity: { year: 8, dueDate: '2025-03-17', graceEnd: '2025-09-15' },
    });
  });

  it('rejects an asOf that is not a date', async () => {
    const e = await setup();
    await expect(e.page({ asOf: '2024-02-30' })).rejects.toMatchObject({
      code: 'QUERY.INVALID_PARAMETER',
      field: 'asOf',
    });
  });
});

describe('resource pool: deal status', () => {
  const status = async (e: Env, x: string): Promise<string | undefined> => (await e.entry(x))?.status;

  it('available → licensed → industrialized → in-deal → transferred → lapsed, staying listed', async () => {
    const e = await setup();
    const a = an(1);
    await e.ledger.inventory(a);
    await e.ledger.admit(a);
    await e.sync();
    expect(await status(e, a)).toBe('available');

    await e.ledger.license(a, 'lic-1', 'ent-c', 'ordinary');
    await e.sync();
    expect(await status(e, a)).toBe('licensed');
    await e.ledger.recordLicense(a, 'lic-1');
    await e.ledger.report(a, { dealId: 'lic-1' });
    await e.sync();
    expect(await status(e, a)).toBe('licensed');

    await e.ledger.industrialize(a, 'ind-1', 'ent-c', { startedOn: '2024-11-01' });
    await e.sync();
    expect(await status(e, a)).toBe('industrialized');

    // A transfer after the (ordinary) licence: a contract awaiting registration is "in deal".
    const t = await e.ledger.transfer(a, 'tr-1', 'ent-d', { contractDate: '2024-12-01' });
    await e.sync();
    expect(await status(e, a)).toBe('in-deal');
    expect((await e.entry(a))!.lastActivity).toEqual({
      position: t.events[0]!.position,
      on: '2024-12-01',
      eventType: 'Transferred',
    });

    await e.ledger.registerTransfer(a, 'tr-1', { registeredOn: '2025-01-10' });
    await e.sync();
    expect(await status(e, a)).toBe('transferred');
    expect(await e.ids({ status: 'transferred' })).toEqual([a]);

    await e.ledger.lapse(a, 'non-payment', '2025-03-01');
    await e.sync();
    expect(await status(e, a)).toBe('lapsed');
    expect((await e.entry(a))!.lastActivity).toMatchObject({ on: '2025-03-01', eventType: 'PatentLapsed' });
    expect(await e.ids({ status: 'lapsed' })).toEqual([a]);
    expect(await e.ids({ status: 'transferred' })).toEqual([]);
  });

  it('an exclusive licence lets only its licensee buy; the transfer then goes in-deal → transferred', async () => {
    const e = await setup();
    const a = an(1);
    await e.ledger.inventory(a);
    await e.ledger.admit(a);
    await e.ledger.license(a, 'lic-x', 'ent-c', 'exclusive');
    await expect(e.ledger.transfer(a, 'tr-other', 'ent-d')).rejects.toMatchObject({
      code: 'TRANSFER.EXCLUSIVE_LICENSE_IN_FORCE',
    });
    await e.sync();
    expect(await status(e, a)).toBe('licensed');
    await e.ledger.transfer(a, 'tr-c', 'ent-c');
    await e.sync();
    expect(await status(e, a)).toBe('in-deal');
    await e.ledger.registerTransfer(a, 'tr-c');
    await e.sync();
    expect(await status(e, a)).toBe('transferred');
  });

  it('open licence: declared → open-licensed; taken → licensed; declared and withdrawn untaken → available', async () => {
    const e = await setup();
    const [a, b] = [an(1), an(2)];
    for (const x of [a, b]) {
      await e.ledger.inventory(x);
      await e.ledger.admit(x);
      await e.ledger.declareOpenLicense(x, `ol-${x}`);
    }
    await e.sync();
    expect([await status(e, a), await status(e, b)]).toEqual(['open-licensed', 'open-licensed']);
    expect(await e.ids({ status: 'open-licensed' })).toEqual([b, a]);

    await e.ledger.takeOpenLicense(a, 'ol-deal-1', 'ent-e');
    await e.ledger.withdrawOpenLicense(b, '2024-12-01');
    await e.sync();
    expect(await status(e, a)).toBe('licensed');
    expect(await status(e, b)).toBe('available');
  });

  it('self-implementation by the institution → industrialized; a lapse of an untouched patent → lapsed', async () => {
    const e = await setup();
    const [a, b] = [an(1), an(2)];
    for (const x of [a, b]) {
      await e.ledger.inventory(x);
      await e.ledger.admit(x, { modes: ['self-implementation'] });
    }
    await e.ledger.industrialize(a, 'ind-self', 'tyut');
    await e.ledger.lapse(b, 'abandoned', '2025-01-01');
    await e.sync();
    expect(await status(e, a)).toBe('industrialized');
    expect(await status(e, b)).toBe('lapsed');
    expect(await e.ids({ status: 'available' })).toEqual([]);
  });
});

describe('resource pool: filters', () => {
  /** Seven listed patents with distinct attributes, one declined. */
  async function catalogue(): Promise<{
    e: Env;
    p: Record<'battery' | 'coal' | 'box' | 'graphene' | 'cycles' | 'solar' | 'declined', string>;
  }> {
    const e = await setup();
    const p = {
      battery: an(1),
      coal: an(2, 2019, '2'), // utility model of 山西大学
      box: an(3, 2020, '3'), // design
      graphene: an(4),
      cycles: an(5),
      solar: an(6),
      declined: an(7),
    };
    const L = e.ledger;
    await L.inventory(p.battery, {
      title: '锂电池隔膜 100% 可回收',
      ipc: ['H01M 50/403'],
      highValueFlags: { strategicEmergingIndustry: true },
    });
    await L.inventory(p.coal, {
      institutionId: 'sxu',
      title: 'Coal gasification catalyst 煤气化催化剂',
      ipc: ['C10J 3/00', 'H01M 10/0525'],
    });
    await L.inventory(p.box, { title: '包装盒', ipc: ['B65D 85/00'] });
    await L.inventory(p.graphene, {
      title: 'Graphene 50_50 blend',
      ipc: ['C01B 32/182'],
      highValueFlags: { overseasFamily: true, award: true },
    });
    await L.inventory(p.cycles, { title: '电池1000次循环测试方法', ipc: ['G01R 31/36'] });
    await L.inventory(p.solar, {
      title: 'Solar cell 50x50 module',
      ipc: ['H01L 31/04'],
      highValueFlags: { pledgeFinancing: true },
    });
    await L.inventory(p.declined, { title: '锂电池 100% 废料', ipc: ['H01M 50/403'] });

    await L.admit(p.battery, { modes: ['transfer'] });
    await L.admit(p.coal, { modes: ['license'] });
    await L.admit(p.box, { modes: ['self-implementation'] });
    await L.admit(p.graphene, { modes: ['transfer', 'license'] });
    await L.admit(p.cycles, { modes: ['transfer', 'self-implementation'] });
    await L.admit(p.solar, { modes: ['license'] });
    await L.decline(p.declined);

    await L.evaluate(p.battery, 'e1', 'ent-a', 5);
    await L.evaluate(p.coal, 'e2', 'ent-a', 3);
    await L.evaluate(p.cycles, 'e3', 'ent-a', 2);
    await L.evaluate(p.cycles, 'e4', 'ent-b', 3); // 2.5
    await L.promote(p.graphene, 'pr-1', 'featured');
    await L.promote(p.box, 'pr-2', 'standard');
    await L.license(p.graphene, 'lic-g', 'ent-c');
    await e.sync();
    return { e, p };
  }

  it('recent order by default; total counts the listed entries only', async () => {
    const { e, p } = await catalogue();
    const page = await e.page();
    expect(page.total).toBe(6);
    expect(numbers(page.items)).toEqual([p.graphene, p.box, p.cycles, p.coal, p.battery, p.solar]);
  });

  it('filters by institution, mode, kind and status', async () => {
    const { e, p } = await catalogue();
    expect(await e.ids({ institutionId: 'sxu' })).toEqual([p.coal]);
    expect(await e.ids({ institutionId: 'tyut' })).toEqual([p.graphene, p.box, p.cycles, p.battery, p.solar]);
    expect(await e.ids({ institutionId: 'nobody' })).toEqual([]);
    expect(await e.ids({ mode: 'transfer' })).toEqual([p.graphene, p.cycles, p.battery]);
    expect(await e.ids({ mode: 'license' })).toEqual([p.graphene, p.coal, p.solar]);
    expect(await e.ids({ mode: 'self-implementation' })).toEqual([p.box, p.cycles]);
    expect(await e.ids({ kind: 'utility-model' })).toEqual([p.coal]);
    expect(await e.ids({ kind: 'design' })).toEqual([p.box]);
    expect(await e.ids({ kind: 'invention' })).toEqual([p.graphene, p.cycles, p.battery, p.solar]);
    expect(await e.ids({ status: 'licensed' })).toEqual([p.graphene]);
    expect(await e.ids({ status: 'available' })).toEqual([p.box, p.cycles, p.coal, p.battery, p.solar]);
    expect(await e.ids({ institutionId: 'tyut', mode: 'license' })).toEqual([p.graphene, p.solar]);
    expect((await e.page({ institutionId: 'tyut', mode: 'license' })).total).toBe(2);
  });

  it('filters by IPC prefix (case-insensitive, any of the codes)', async () => {
    const { e, p } = await catalogue();
    expect(await e.ids({ ipc: 'H01M' })).toEqual([p.coal, p.battery]);
    expect(await e.ids({ ipc: 'h01m 10' })).toEqual([p.coal]);
    expect(await e.ids({ ipc: 'H01M 50/403' })).toEqual([p.battery]);
    expect(await e.ids({ ipc: 'H01' })).toEqual([p.coal, p.battery, p.solar]);
    expect(await e.ids({ ipc: 'C' })).toEqual([p.graphene, p.coal]);
    expect(await e.ids({ ipc: 'H02' })).toEqual([]);
    expect(await e.ids({ ipc: 'H0_M' })).toEqual([]);
    expect(await e.ids({ ipc: '%' })).toEqual([]);
  });

  it('filters by high value (any flag, none) and by one flag', async () => {
    const { e, p } = await catalogue();
    expect(await e.ids({ highValue: true })).toEqual([p.graphene, p.battery, p.solar]);
    expect(await e.ids({ highValue: false })).toEqual([p.box, p.cycles, p.coal]);
    expect(await e.ids({ highValueFlag: 'strategicEmergingIndustry' })).toEqual([p.battery]);
    expect(await e.ids({ highValueFlag: 'overseasFamily' })).toEqual([p.graphene]);
    expect(await e.ids({ highValueFlag: 'award' })).toEqual([p.graphene]);
    expect(await e.ids({ highValueFlag: 'pledgeFinancing' })).toEqual([p.solar]);
    expect(await e.ids({ highValueFlag: 'maintainedOver10Years' })).toEqual([]);
    expect((await e.entry(p.graphene))!.highValueFlags).toEqual({
      ...NO_FLAGS,
      overseasFamily: true,
      award: true,
    });
  });

  it('filters by tier and minimum prospect', async () => {
    const { e, p } = await catalogue();
    expect(await e.ids({ tier: 'featured' })).toEqual([p.graphene]);
    expect(await e.ids({ tier: 'standard' })).toEqual([p.box]);
    expect(await e.ids({ minProspect: 3 })).toEqual([p.coal, p.battery]);
    expect(await e.ids({ minProspect: 2.5 })).toEqual([p.cycles, p.coal, p.battery]);
    expect(await e.ids({ minProspect: 5 })).toEqual([p.battery]);
    expect(await e.ids({ minProspect: 1 })).toHaveLength(3); // unevaluated entries never qualify
  });

  it('filters by text in the title: Chinese, case-insensitive ASCII, and LIKE wildcards taken literally', async () => {
    const { e, p } = await catalogue();
    expect(await e.ids({ q: '隔膜' })).toEqual([p.battery]);
    expect(await e.ids({ q: '电池' })).toEqual([p.cycles, p.battery]);
    expect(await e.ids({ q: '煤气化' })).toEqual([p.coal]);
    expect(await e.ids({ q: 'graphene' })).toEqual([p.graphene]);
    // '%' and '_' are literal: '100%' must not match '1000次', '50_50' must not match '50x50'.
    expect(await e.ids({ q: '100%' })).toEqual([p.battery]);
    expect(await e.ids({ q: '50_50' })).toEqual([p.graphene]);
    expect(await e.ids({ q: '%' })).toEqual([p.battery]);
    expect(await e.ids({ q: '_' })).toEqual([p.graphene]);
    expect(await e.ids({ q: '\\' })).toEqual([]);
    expect(await e.ids({ q: '' })).toHaveLength(6);
    expect(await e.ids({ q: '废料' })).toEqual([]); // only in the declined patent
  });
  it('a title text with filters and a sort reads the covering title index only, with the matches of every other plan (national-scale search)', async () => {
    const { e, p } = await catalogue();
    // The statements of one listing, as the query sends them.
    const sent: { sql: string; params: unknown[] }[] = [];
    const recording: ReadModelDb = Object.create(e.rm.sql) as ReadModelDb;
    recording.transaction = (fn, mode) =>
      e.rm.sql.transaction((tx) => {
        const rec = (sql: string, params?: SqlParams): void =>
          void sent.push({ sql, params: Array.isArray(params) ? [...(params as unknown[])] : [] });
        return fn({
          get: (sql, params) => (rec(sql, params), tx.get(sql, params)),
          all: (sql, params) => (rec(sql, params), tx.all(sql, params)),
          run: (sql, params) => tx.run(sql, params),
          exec: (sql) => tx.exec(sql),
        });
      }, mode);
    const plan = (s: { sql: string; params: unknown[] }): string =>
      (e.rm.db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    const checkpoint = (): number => e.rm.checkpointSync('resource-pool');
    const shapes: PoolPageRequest[] = [
      { q: '电池', minProspect: 2, sort: 'prospect' },
      { q: '电池', mode: 'transfer', highValue: false },
      { q: 'graphene', tier: 'featured', sort: 'evaluations' },
      { q: '50', kind: 'invention', status: 'licensed' },
    ];
    const expected = [[p.battery, p.cycles], [p.cycles], [p.graphene], [p.graphene]];
    for (const [i, shape] of shapes.entries()) {
      sent.length = 0;
      const page = await queryResourcePool(recording, { ...shape, limit: 50 }, checkpoint);
      expect(page.items.map((x) => x.applicationNumber)).toEqual(expected[i]);
      // The first page: one pass counts and collects; the next (a cursor's): one pass collects.
      const next = await queryResourcePool(recording, { ...shape, limit: 1 }, checkpoint);
      const after = next.nextCursor
        ? await queryResourcePool(recording, { ...shape, limit: 1, cursor: next.nextCursor }, checkpoint)
        : undefined;
      expect([...next.items, ...(after?.items ?? [])].map((x) => x.applicationNumber)).toEqual(
        expected[i]!.slice(0, 2),
      );
      // Each first page tests the listing's head first (a bounded walk of the sort key's index): with
      // the page filled there (limit 1), one pass counts; else one pass counts and collects (limit 50).
      // A cursor's page is one pass. Every pass reads the covering title index only.
      const listing = sent.filter((s) => /FROM pool_rows/.test(s.sql));
      const heads = listing.filter((s) => /LIMIT \?\) head/.test(s.sql));
      const passes = listing.filter((s) => !heads.includes(s));
      expect(heads).toHaveLength(2);
      expect(passes).toHaveLength(after ? 3 : 2);
      for (const s of passes) {
        expect(plan(s)).toContain('COVERING INDEX pool_rows_text');
        expect(plan(s)).not.toMatch(/pool_rows_(prospect|filters|recent|evaluations)/);
      }
      for (const s of heads) expect(plan(s)).toMatch(/CO-ROUTINE head/);
      // The same matches when the page walks its sort key's index instead (many matches).
      const walked = await queryResourcePool(e.rm.sql, { ...shape, limit: 50 }, checkpoint, { walkAbove: 0 });
      expect(walked.items.map((x) => x.applicationNumber)).toEqual(expected[i]);
      expect(walked.total).toBe(page.total);
    }
    // A cased text (ASCII) keeps the case-insensitive LIKE; a caseless one the byte-wise search.
    sent.length = 0;
    await queryResourcePool(recording, { q: 'GRAPHENE' }, checkpoint);
    expect(sent.some((s) => /title LIKE/.test(s.sql))).toBe(true);
    sent.length = 0;
    await queryResourcePool(recording, { q: '隔膜' }, checkpoint);
    expect(sent.some((s) => /instr\(title, \?\) > 0/.test(s.sql))).toBe(true);
    expect(sent.some((s) => /title LIKE/.test(s.sql))).toBe(false);
  });
});

describe('resource pool: sorting', () => {
  /** A(1) 4 (2 evals), B(2) 4 (1), C(3) none, D(4) 5 (1), E(5) 4 (2 evals); updated in the order C, E, D, B, A. */
  async function sorted(): Promise<{ e: Env; A: string; B: string; C: string; D: string; E: string }> {
    const e = await setup();
    const [A, B, C, D, E] = [an(1), an(2), an(3), an(4), an(5)];
    for (const x of [A, B, C, D, E]) {
      await e.ledger.inventory(x);
      await e.ledger.admit(x);
    }
    await e.ledger.promote(C, 'pr-c', 'standard');
    await e.ledger.evaluate(E, 'e-e1', 'ent-a', 3);
    await e.ledger.evaluate(E, 'e-e2', 'ent-b', 5);
    await e.ledger.evaluate(D, 'e-d', 'ent-a', 5);
    await e.ledger.evaluate(B, 'e-b', 'ent-a', 4);
    await e.ledger.evaluate(A, 'e-a1', 'ent-a', 5);
    await e.ledger.evaluate(A, 'e-a2', 'ent-b', 3);
    await e.sync();
    return { e, A, B, C, D, E };
  }

  it('recent: latest activity first', async () => {
    const { e, A, B, C, D, E } = await sorted();
    expect(await e.ids({ sort: 'recent' })).toEqual([A, B, D, E, C]);
  });

  it('prospect: highest mean first, unevaluated last, ties by application number', async () => {
    const { e, A, B, C, D, E } = await sorted();
    expect(await e.ids({ sort: 'prospect' })).toEqual([D, A, B, E, C]);
    expect((await e.page({ sort: 'prospect' })).items.map((i) => i.evaluationSummary.meanProspect)).toEqual([
      5,
      4,
      4,
      4,
      null,
    ]);
  });

  it('evaluations: most evaluated first, ties by application number', async () => {
    const { e, A, B, C, D, E } = await sorted();
    expect(await e.ids({ sort: 'evaluations' })).toEqual([A, E, B, D, C]);
  });

  it.each(['recent', 'prospect', 'evaluations'] as const)(
    '%s: pages of one walk the same order through ties',
    async (sort) => {
      const { e } = await sorted();
      const whole = await e.ids({ sort });
      const { items, pages } = await e.traverse({ sort, limit: 1 });
      expect(numbers(items)).toEqual(whole);
      expect(pages).toHaveLength(5);
    },
  );
});

describe('resource pool: cursor pagination', () => {
  /** 20 listed patents (serials 1..20) with varied evaluations, plus two declined ones. */
  async function twenty(): Promise<{ e: Env; listed: string[] }> {
    const e = await setup();
    const listed: string[] = [];
    for (let i = 1; i <= 22; i++) {
      const x = an(i);
      await e.ledger.inventory(x, { institutionId: i % 2 ? 'tyut' : 'sxu' });
      if (i === 7 || i === 15) {
        await e.ledger.decline(x);
        continue;
      }
      await e.ledger.admit(x);
      listed.push(x);
    }
    for (let i = 1; i <= 22; i++) {
      if (i === 7 || i === 15) continue;
      if (i % 3 !== 0) await e.ledger.evaluate(an(i), `ev-${i}-a`, 'ent-a', 1 + (i % 5));
      if (i % 4 === 0) await e.ledger.evaluate(an(i), `ev-${i}-b`, 'ent-b', 5);
    }
    await e.sync();
    return { e, listed };
  }

  it.each(['recent', 'prospect', 'evaluations'] as const)(
    '%s: pages of 3 return every entry exactly once',
    async (sort) => {
      const { e, listed } = await twenty();
      const whole = await e.page({ sort });
      expect(whole.total).toBe(20);
      expect(whole.items).toHaveLength(20);
      const { items, pages } = await e.traverse({ sort, limit: 3 });
      expect(pages).toHaveLength(7);
      expect(pages.map((p) => p.items.length)).toEqual([3, 3, 3, 3, 3, 3, 2]);
      expect(pages.every((p) => p.total === 20 && p.asOfPosition === whole.asOfPosition)).toBe(true);
      expect(pages[6]!.nextCursor).toBeNull();
      expect(numbers(items)).toEqual(numbers(whole.items));
      expect([...numbers(items)].sort()).toEqual([...listed].sort());
    },
  );

  it('pages through filters with a stable total', async () => {
    const { e, listed } = await twenty();
    const sxu = listed.filter((x) => Number(x.slice(5, 12)) % 2 === 0);
    const { items, pages } = await e.traverse({ institutionId: 'sxu', sort: 'prospect', limit: 3 });
    expect([...numbers(items)].sort()).toEqual([...sxu].sort());
    expect(pages.every((p) => p.total === sxu.length)).toBe(true);
  });

  it.each(['recent', 'prospect', 'evaluations'] as const)(
    '%s: a traversal keeps its snapshot while new events arrive between pages',
    async (sort) => {
      const { e, listed } = await twenty();
      const snapshot = await e.page({ sort });
      const changes: Array<() => Promise<unknown>> = [
        // new admissions
        async () => {
          await e.ledger.inventory(an(30));
          await e.ledger.admit(an(30));
          await e.ledger.evaluate(an(30), 'ev-30', 'ent-a', 5);
        },
        // evaluations that move entries in the prospect and evaluations orders
        async () => {
          await e.ledger.evaluate(an(1), 'ev-1-z', 'ent-z', 5);
          await e.ledger.evaluate(an(3), 'ev-3-z', 'ent-z', 5);
          await e.ledger.evaluate(an(22), 'ev-22-z', 'ent-z', 1);
        },
        // a listed patent declined, another lapsed
        async () => {
          await e.ledger.decline(an(2));
          await e.ledger.lapse(an(5));
        },
        // re-admission of a declined one and more traffic
        async () => {
          await e.ledger.admit(an(7));
          await e.ledger.evaluate(an(20), 'ev-20-z', 'ent-z', 1);
          await e.ledger.inventory(an(31));
          await e.ledger.admit(an(31));
        },
      ];
      const { items, pages } = await e.traverse({ sort, limit: 3 }, async (i) => {
        const change = changes[i - 1];
        if (change) {
          await change();
          await e.sync();
        }
      });
      expect(numbers(items)).toEqual(numbers(snapshot.items));
      expect(items).toEqual(snapshot.items);
      expect(pages.every((p) => p.total === 20 && p.asOfPosition === snapshot.asOfPosition)).toBe(true);

      // A new traversal sees the new pool.
      const now = await e.page({ sort });
      expect(now.asOfPosition).toBeGreaterThan(snapshot.asOfPosition);
      expect(now.total).toBe(22);
      const expected = [...listed.filter((x) => x !== an(2)), an(7), an(30), an(31)].sort();
      expect([...numbers(now.items)].sort()).toEqual(expected);
      expect((await e.entry(an(5)))!.status).toBe('lapsed');
    },
  );

  it('rejects a tampered cursor with QUERY.INVALID_CURSOR', async () => {
    const { e } = await twenty();
    const first = await e.page({ limit: 3 });
    const cursor = first.nextCursor!;
    const [body, tag] = cursor.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const encode = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
    const bad = [
      // Well-formed but edited, keeping the original MAC: refused, not trusted.
      `${encode({ ...decoded, n: 999 })}.${tag}`,
      `${encode({ ...decoded, p: 3 })}.${tag}`,
      body,
      'not a cursor!!',
      cursor.slice(0, cursor.length - 6),
      encode({ ...decoded, p: 'x' }),
      encode({ ...decoded, s: 'random' }),
      encode({ ...decoded, k: '3' }),
      encode({ ...decoded, n: 1.5 }),
      encode(null),
      encode([1, 2]),
    ];
    expect(decoded).toEqual({
      p: expect.any(Number),
      k: expect.any(Number),
      id: expect.any(String),
      n: 20,
      s: 'recent',
      f: expect.any(String),
    });
    for (const c of bad) {
      let err: unknown;
      try {
        await e.page({ limit: 3, cursor: c });
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(QueryError);
      expect(err).toMatchObject({ code: 'QUERY.INVALID_CURSOR', field: 'cursor' });
    }
  });

  it('rejects a cursor used with other filters or another sort with QUERY.CURSOR_MISMATCH', async () => {
    const { e } = await twenty();
    const cursor = (await e.page({ limit: 3, institutionId: 'tyut' })).nextCursor!;
    expect((await e.page({ limit: 3, institutionId: 'tyut', cursor })).items).toHaveLength(3);
    const mismatches: PoolPageRequest[] = [
      { limit: 3, cursor },
      { limit: 3, institutionId: 'sxu', cursor },
      { limit: 3, institutionId: 'tyut', mode: 'license', cursor },
      { limit: 3, institutionId: 'tyut', q: '电池', cursor },
      { limit: 3, institutionId: 'tyut', sort: 'prospect', cursor },
    ];
    for (const req of mismatches) {
      await expect(e.page(req)).rejects.toThrow(QueryError);
      await expect(e.page(req)).rejects.toThrow(
        expect.objectContaining({ code: 'QUERY.CURSOR_MISMATCH', field: 'cursor' }),
      );
    }
  });
});

describe('resource pool: versions per batch', () => {
  /** Twelve patents with several changes each, some of them leaving and re-entering the pool. */
  async function busyLedger(): Promise<Ledger> {
    const ledger = new Ledger();
    for (let i = 1; i <= 12; i++) {
      const x = an(i);
      await ledger.inventory(x, {
        institutionId: i % 2 ? 'tyut' : 'sxu',
        ipc: [`H01M ${i}/00`, 'C01B 32/182'],
      });
      if (i % 5 === 0) await ledger.decline(x);
      else await ledger.admit(x, { modes: i % 3 ? ['transfer'] : ['license'] });
    }
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i <= 12; i++) {
        if (i % 5 === 0) continue;
        await ledger.evaluate(an(i), `ev-${i}-${round}`, `ent-${(i + round) % 4}`, 1 + ((i + round) % 5));
        if (i % 4 === round) await ledger.promote(an(i), `pr-${i}-${round}`, round ? 'featured' : 'standard');
      }
      await ledger.decline(an(2 + round));
      await ledger.admit(an(5 * (round + 1) > 12 ? 10 : 5 * (round + 1)));
      await ledger.admit(an(2 + round), { occurredOn: '2024-06-01' });
    }
    await ledger.license(an(1), 'lic-1', 'ent-c');
    await ledger.lapse(an(11));
    return ledger;
  }

  const REQUESTS: PoolPageRequest[] = [
    {},
    { sort: 'prospect' },
    { sort: 'evaluations' },
    { institutionId: 'sxu' },
    { mode: 'license', status: 'available' },
    { tier: 'featured' },
    { minProspect: 3, sort: 'prospect' },
    { ipc: 'H01M 1' },
    { q: '储能' },
    { q: '储能', minProspect: 1, sort: 'prospect' },
    { q: '储能', mode: 'license', sort: 'evaluations' },
    { status: 'lapsed' },
  ];

  const currentTables = (rm: SqliteReadModels) => ({
    state: rm.db.prepare('SELECT * FROM pool_state ORDER BY application_number').all(),
    rows: rm.db.prepare('SELECT * FROM pool_rows ORDER BY application_number').all(),
    ipc: rm.db.prepare('SELECT * FROM pool_ipc ORDER BY application_number, code').all(),
  });

  it('the same ledger projected in batches of 1, 5 and 5,000 gives the same current rows and answers', async () => {
    const ledger = await busyLedger();
    const envs = [await setup(1, ledger), await setup(5, ledger), await setup(5000, ledger)];
    for (const e of envs) await e.sync();
    const [one, ...others] = envs;
    expect((await one!.page()).total).toBeGreaterThan(5);
    for (const e of others) {
      expect(currentTables(e.rm)).toEqual(currentTables(one!.rm));
      for (const req of REQUESTS) {
        const expected = await one!.traverse({ ...req, limit: 3 });
        const got = await e.traverse({ ...req, limit: 3 });
        expect(got.items).toEqual(expected.items);
        expect(got.pages.map((p) => p.total)).toEqual(expected.pages.map((p) => p.total));
      }
    }
    // Fewer closed versions per batch: batch size 1 keeps one per event of a listed patent.
    const closed = (e: Env) =>
      (e.rm.db.prepare('SELECT count(*) AS n FROM pool_history').get() as { n: number }).n;
    expect(closed(envs[2]!)).toBe(0);
    expect(closed(envs[0]!)).toBeGreaterThan(closed(envs[1]!));
  });

  it('pages walking the sort key’s index give the same answers as pages collected through filter indexes', async () => {
    const ledger = await busyLedger();
    const e = await setup(5, ledger);
    await e.sync();
    const walk = async (req: PoolPageRequest, walkAbove: number): Promise<PoolEntry[]> => {
      const items: PoolEntry[] = [];
      let cursor: string | null = null;
      do {
        const p: PoolPage = await queryResourcePool(
          e.rm.sql,
          { ...req, limit: 2, ...(cursor ? { cursor } : {}) },
          undefined,
          { walkAbove },
        );
        items.push(...p.items);
        cursor = p.nextCursor;
      } while (cursor);
      return items;
    };
    for (const req of [...REQUESTS, { highValue: false, kind: 'invention' }, { tier: 'standard' } as const]) {
      const walked = await walk(req, 0);
      expect(walked).toEqual(await walk(req, Number.MAX_SAFE_INTEGER));
      expect(walked).toEqual((await e.page(req)).items);
    }
  });

  it('the state the pool keeps gives the same entries as the full fold of each patent', async () => {
    const ledger = await busyLedger();
    await ledger.industrialize(an(1), 'ind-1', 'ent-c');
    await ledger.transfer(an(6), 'tr-6', 'ent-d');
    await ledger.registerTransfer(an(6), 'tr-6');
    await ledger.declareOpenLicense(an(7), 'ol-7');
    await ledger.takeOpenLicense(an(7), 'ol-7-deal', 'ent-e');
    await ledger.declareOpenLicense(an(8), 'ol-8');
    await ledger.withdrawOpenLicense(an(8), '2024-12-01');
    await ledger.transfer(an(9), 'tr-9', 'ent-d');
    await ledger.declareOpenLicense(an(12), 'ol-12');
    // Two batch sizes: states loaded from the table and evolved, and states folded in one batch.
    for (const batchSize of [3, 5000]) {
      const e = await setup(batchSize, ledger);
      await e.sync();
      const full = new Map<string, PatentState>();
      for (const ev of await ledger.all()) {
        if (!ev.streamName.startsWith('patent-')) continue;
        const id = ev.streamName.slice('patent-'.length);
        full.set(id, evolvePatent(full.get(id) ?? initialPatentState(), upcastPatentEvent(ev).event));
      }
      const { items } = await e.traverse({ limit: 4 });
      expect(items.length).toBeGreaterThan(8);
      expect(new Set(items.map((i) => i.status))).toEqual(
        new Set([
          'available',
          'licensed',
          'industrialized',
          'transferred',
          'open-licensed',
          'in-deal',
          'lapsed',
        ]),
      );
      for (const item of items) {
        const state = full.get(item.applicationNumber)!;
        if (state.status === 'none') throw new Error('not inventoried');
        expect(item).toEqual(poolEntryOf(state, item.admittedOn, item.lastActivity));
        expect(await e.entry(item.applicationNumber)).toEqual(item);
      }
    }
  });

  it.each([1, 7, 5000])(
    'batches of %i: pages stay exact while events arrive, changing a patent several times per batch',
    async (batchSize) => {
      const ledger = await busyLedger();
      const e = await setup(batchSize, ledger);
      await e.sync();
      let round = 0;
      for (const req of REQUESTS.slice(0, 4)) {
        const snapshot = await e.page(req);
        const { items, pages } = await e.traverse({ ...req, limit: 2 }, async () => {
          round++;
          // Several changes to the same patents between two checkpoints.
          for (let i = 1; i <= 12; i += 3) {
            await ledger.evaluate(an(i), `ev-x-${round}-${i}`, `ent-x${round}`, 1 + ((i * round) % 5));
            await ledger.evaluate(an(i), `ev-y-${round}-${i}`, `ent-x${round}`, 5 - ((i * round) % 5));
          }
          await ledger.decline(an(3));
          await ledger.admit(an(3));
          await ledger.decline(an(6));
          await e.sync();
          await ledger.admit(an(6));
        });
        await e.sync();
        expect(items).toEqual(snapshot.items);
        expect(
          pages.every((p) => p.total === snapshot.total && p.asOfPosition === snapshot.asOfPosition),
        ).toBe(true);
        expect((await e.page(req)).asOfPosition).toBeGreaterThan(snapshot.asOfPosition);
      }
    },
  );

  it('a traversal begun before a rebuild pages exactly on the rebuilt tables', async () => {
    const ledger = await busyLedger();
    // Small batches, so the traversal's snapshot falls inside the rebuild's one batch.
    const e = await setup(2, ledger);
    await e.sync();
    const snapshot = await e.page({ sort: 'prospect' });
    const checkpointedAt = snapshot.asOfPosition;
    let rebuilt = false;
    const { items } = await e.traverse({ sort: 'prospect', limit: 2 }, async (i) => {
      if (i !== 1) return;
      // The patents on either side of the snapshot change again after it: a version per batch of
      // the rebuild would show them as they stood at its end (or not at all).
      for (let k = 1; k <= 12; k++) {
        if (k % 5 === 0 || k === 11) continue;
        await ledger.evaluate(an(k), `ev-late-${k}`, 'ent-late', 1 + (k % 5));
      }
      await ledger.decline(an(1));
      await e.sync();
      expect((await e.rm.rebuild('resource-pool', ledger.store)).position).toBeGreaterThan(checkpointedAt);
      rebuilt = true;
    });
    expect(rebuilt).toBe(true);
    expect(items).toEqual(snapshot.items);
  });
});
