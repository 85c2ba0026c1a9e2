import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addDays,
  addMonths,
  businessDateOf,
  institutionDecider,
  institutionStream,
  PATENT_EVENT_TYPES,
  parseApplicationNumber,
  patentDecider,
  patentStream,
  todayInChina,
  type IsoDate,
  type PatentCommand,
  type PatentEvent,
} from '@patent-ledger/domain';
import {
  fingerprintOf,
  handleCommand,
  MemoryEventStore,
  type EventStore,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { applyProvince, writeInventoryFile } from './apply';
import { DEFAULT_GENERATOR_NOW, generateProvince, type GeneratedProvince } from './generator';
import { importInventory } from './importer';
import { hashSeed, mulberry32 } from './random';

const ACTOR = { role: 'system', orgId: 'test', userId: 'spec' };
const CLOCK = () => '2026-01-15T00:00:00.000Z';

function snapshot(p: GeneratedProvince): string {
  return JSON.stringify({
    institutions: p.institutions,
    enterprises: p.enterprises,
    patents: [...p.patents()],
  });
}

async function readAllEvents(store: EventStore): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (;;) {
    const page = await store.readAll({ after: all.length, limit: 5000 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/** Applies every command of a province one by one with handleCommand, as the API would. */
async function applyOneByOne(store: EventStore, province: GeneratedProvince): Promise<{ errors: string[] }> {
  const errors: string[] = [];
  for (const inst of province.institutions) {
    const command = { type: 'RegisterInstitution' as const, data: inst, now: province.now };
    await handleCommand(store, institutionDecider, institutionStream(inst.institutionId), command, {
      commandId: `reg-${inst.institutionId}`,
      fingerprint: fingerprintOf(command),
      actor: ACTOR,
      now: province.now,
    });
  }
  for (const patent of province.patents()) {
    const commands: PatentCommand[] = [patent.inventory, ...patent.lifecycle];
    for (const [k, command] of commands.entries()) {
      try {
        await handleCommand(store, patentDecider, patentStream(patent.applicationNumber), command, {
          commandId: `${patent.applicationNumber}:${k}`,
          fingerprint: fingerprintOf(command),
          actor: ACTOR,
          now: province.now,
        });
      } catch (err) {
        errors.push(`${patent.applicationNumber} ${command.type}: ${(err as Error).message}`);
        break;
      }
    }
  }
  return { errors };
}

type Kind = 'transfer-registration' | 'license-recordal' | 'transaction-report' | 'density-product-filing';
interface Obligation {
  kind: Kind;
  due: IsoDate;
  fulfilledOn?: IsoDate;
}

/** The obligations of domain.md §5, computed from the events (default policy). */
function obligationsOf(events: PatentEvent[]): Obligation[] {
  const open = new Map<string, Obligation>();
  const openOne = (kind: Kind, ref: string, due: IsoDate) => open.set(`${kind}:${ref}`, { kind, due });
  const close = (kind: Kind, ref: string, on: IsoDate) => {
    const o = open.get(`${kind}:${ref}`);
    if (o && o.fulfilledOn === undefined) o.fulfilledOn = on;
  };
  for (const e of events) {
    switch (e.type) {
      case 'Transferred':
        openOne('transfer-registration', e.data.dealId, addMonths(e.data.contractDate, 3));
        openOne('transaction-report', e.data.dealId, addDays(e.data.contractDate, 30));
        break;
      case 'Licensed':
        openOne('license-recordal', e.data.dealId, addMonths(e.data.effectiveDate, 3));
        openOne('transaction-report', e.data.dealId, addDays(e.data.effectiveDate, 30));
        break;
      case 'OpenLicenseTaken':
        openOne('license-recordal', e.data.dealId, addMonths(e.data.notifiedOn, 3));
        break;
      case 'Industrialized':
        openOne('transaction-report', e.data.industrializationId, addDays(e.data.startedOn, 30));
        openOne(
          'density-product-filing',
          e.data.industrializationId,
          `${Number(e.data.startedOn.slice(0, 4)) + 1}-09-30`,
        );
        break;
      case 'TransferRegistered':
        close('transfer-registration', e.data.dealId, e.data.registeredOn);
        break;
      case 'LicenseRecorded':
        close('license-recordal', e.data.dealId, e.data.recordedOn);
        break;
      case 'TransactionReported':
        close('transaction-report', (e.data.dealId ?? e.data.industrializationId)!, e.data.reportedOn);
        break;
      case 'DensityProductFiled':
        close('density-product-filing', e.data.industrializationId, e.data.filedOn);
        break;
      default:
        break;
    }
  }
  return [...open.values()];
}

describe('seeded random numbers', () => {
  it('repeat for a seed and differ between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(hashSeed('a', 1)).toBe(hashSeed('a', 1));
    expect(hashSeed('a', 1)).not.toBe(hashSeed('a1'));
  });
});

describe('generateProvince', () => {
  it('gives the same output for the same seed and another for another seed', () => {
    const a = snapshot(generateProvince({ patents: 300, institutions: 12, seed: 7 }));
    const b = snapshot(generateProvince({ patents: 300, institutions: 12, seed: 7 }));
    const c = snapshot(generateProvince({ patents: 300, institutions: 12, seed: 8 }));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const province = generateProvince({ patents: 50, institutions: 6, seed: 'x' });
    expect(JSON.stringify([...province.patents()])).toBe(JSON.stringify([...province.patents()]));
  });

  it('generates institutions of the Shanxi milestone groups with realistic stock counts', () => {
    const p = generateProvince({ patents: 2000, institutions: 42, seed: 1 });
    expect(p.institutions).toHaveLength(42);
    expect(p.institutions.filter((i) => i.milestoneGroup === 'tyut').map((i) => i.name)).toEqual([
      '太原理工大学',
    ]);
    expect(p.institutions.filter((i) => i.milestoneGroup === 'key4').map((i) => i.name)).toEqual([
      '山西大学',
      '中北大学',
      '太原科技大学',
      '山西农业大学',
    ]);
    expect(p.institutions.filter((i) => i.milestoneGroup === 'other')).toHaveLength(37);
    expect(new Set(p.institutions.map((i) => i.institutionId)).size).toBe(42);
    expect(new Set(p.institutions.map((i) => i.name)).size).toBe(42);
    for (const i of p.institutions) {
      expect(i.province).toBe('山西');
      expect(i.name).toMatch(/(大学|学院|研究院|研究所|医院|保健院)$/);
      expect(i.stockPatentCount).toBeGreaterThanOrEqual(p.stockGenerated[i.institutionId]!);
      expect(i.stockPatentCount).toBeGreaterThan(0);
    }
    expect(p.institutions.find((i) => i.institutionId === 'tyut')!.stockPatentCount).toBe(
      p.stockGenerated['tyut'],
    );
    const kinds = new Set(p.institutions.map((i) => i.kind));
    expect(kinds.has('university')).toBe(true);
  });

  it('generates valid, unique application numbers and a realistic mix of kinds and cohorts', () => {
    const p = generateProvince({ patents: 3000, institutions: 42, seed: 2 });
    const nowDate = todayInChina(DEFAULT_GENERATOR_NOW);
    const numbers = new Set<string>();
    const kinds = { invention: 0, 'utility-model': 0, design: 0 };
    const grantYears = new Set<number>();
    const cohorts = { stock: 0, new: 0 };
    for (const patent of p.patents()) {
      const d = patent.inventory.data;
      const parsed = parseApplicationNumber(d.applicationNumber);
      expect(parsed.value).toBe(d.applicationNumber);
      expect(parsed.kind).toBe(d.kind);
      expect(parsed.year).toBe(Number(d.filingDate.slice(0, 4)));
      expect(d.filingDate <= d.grantDate).toBe(true);
      expect(d.grantDate <= d.occurredOn && d.occurredOn <= nowDate).toBe(true);
      expect(d.title).toMatch(/[\u4e00-\u9fff]/);
      expect(d.inventors.every((n) => /^[\u4e00-\u9fff]{2,3}$/.test(n))).toBe(true);
      numbers.add(d.applicationNumber);
      kinds[d.kind]++;
      grantYears.add(Number(d.grantDate.slice(0, 4)));
      cohorts[patent.cohort]++;
      expect(patent.cohort).toBe(d.grantDate <= '2023-12-31' ? 'stock' : 'new');
    }
    expect(numbers.size).toBe(3000);
    expect(kinds.invention / 3000).toBeGreaterThan(0.62);
    expect(kinds.invention / 3000).toBeLessThan(0.78);
    expect(kinds['utility-model'] / 3000).toBeGreaterThan(0.18);
    expect(kinds.design).toBeGreaterThan(50);
    expect(Math.min(...grantYears)).toBe(2010);
    expect(Math.max(...grantYears)).toBe(2025);
    expect(cohorts.new / 3000).toBeGreaterThan(0.08);
    expect(cohorts.stock / 3000).toBeGreaterThan(0.75);
  });

  it('rejects impossible options', () => {
    expect(() => generateProvince({ patents: -1, institutions: 1, seed: 1 })).toThrow(/patents/);
    expect(() => generateProvince({ patents: 1, institutions: 0, seed: 1 })).toThrow(/institutions/);
    expect(() =>
      generateProvince({ patents: 1, institutions: 1, seed: 1, now: '2023-01-01T00:00:00Z' }),
    ).toThrow(/2024-06-01/);
  });

  describe('a province of 200 patents applied through the deciders', () => {
    const province = generateProvince({ patents: 200, institutions: 12, seed: 2024 });
    const store = new MemoryEventStore();
    let errors: string[];
    let patentEvents: StoredEvent[];

    beforeAll(async () => {
      ({ errors } = await applyOneByOne(store, province));
      patentEvents = (await readAllEvents(store)).filter((e) => e.streamName.startsWith('patent-'));
    });

    it('breaks no domain rule', () => {
      expect(errors).toEqual([]);
      expect(new Set(patentEvents.map((e) => e.streamName)).size).toBe(200);
    });

    it('holds every patent event type', () => {
      const types = new Set(patentEvents.map((e) => e.type));
      expect([...PATENT_EVENT_TYPES].filter((t) => !types.has(t))).toEqual([]);
    });

    it('dates business events after the inventory and never after now', () => {
      const nowDate = todayInChina(province.now);
      const byStream = new Map<string, StoredEvent[]>();
      for (const e of patentEvents) byStream.set(e.streamName, [...(byStream.get(e.streamName) ?? []), e]);
      for (const events of byStream.values()) {
        const dates = events.map((e) =>
          businessDateOf({ type: e.type, data: e.data } as unknown as PatentEvent),
        );
        expect(dates.every((d) => d >= dates[0]! && d <= nowDate)).toBe(true);
        expect([...dates].sort()).toEqual(dates);
      }
    });

    it('opens every obligation kind, with some fulfilled late and some left overdue', () => {
      const nowDate = todayInChina(province.now);
      const byStream = new Map<string, PatentEvent[]>();
      for (const e of patentEvents) {
        byStream.set(e.streamName, [
          ...(byStream.get(e.streamName) ?? []),
          { type: e.type, data: e.data } as unknown as PatentEvent,
        ]);
      }
      const all = [...byStream.values()].flatMap(obligationsOf);
      for (const kind of [
        'transfer-registration',
        'license-recordal',
        'transaction-report',
        'density-product-filing',
      ] as const) {
        const ofKind = all.filter((o) => o.kind === kind);
        expect({
          kind,
          late: ofKind.some((o) => o.fulfilledOn !== undefined && o.fulfilledOn > o.due),
        }).toEqual({ kind, late: true });
        expect({
          kind,
          onTime: ofKind.some((o) => o.fulfilledOn !== undefined && o.fulfilledOn <= o.due),
        }).toEqual({ kind, onTime: true });
        expect({ kind, overdue: ofKind.some((o) => o.fulfilledOn === undefined && o.due < nowDate) }).toEqual(
          { kind, overdue: true },
        );
      }
    });

    it('is what applyProvince appends too, and applying it again appends nothing', async () => {
      const fast = SqliteEventStore.open(':memory:');
      try {
        const summary = await applyProvince(fast, province, {
          userId: 'spec',
          clock: CLOCK,
          patentsPerChunk: 64,
        });
        expect(summary.errors).toEqual([]);
        expect(summary).toMatchObject({
          patents: 200,
          inventoried: 200,
          alreadyPresent: 0,
          institutionsRegistered: 12,
        });
        expect(summary.lifecycleApplied).toBe(summary.lifecycleCommands);
        // Each event is recorded for the party the access policy allows, never a catch-all actor.
        const actors = new Set((await fast.readAll({ limit: 100_000 })).map((e) => e.metadata.actor.role));
        expect([...actors].sort()).toEqual(
          expect.arrayContaining(['enterprise', 'institution', 'ip-office']),
        );
        expect(actors.has('system')).toBe(false);
        const strip = (events: StoredEvent[]) =>
          events
            .filter((e) => e.streamName.startsWith('patent-'))
            .map((e) => [e.streamName, e.version, e.type, e.data] as const)
            .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
        expect(strip(await readAllEvents(fast))).toEqual(strip(patentEvents));

        const head = await fast.headPosition();
        const again = await applyProvince(fast, province, { userId: 'spec', clock: CLOCK });
        expect(await fast.headPosition()).toBe(head);
        expect(again).toMatchObject({
          inventoried: 0,
          alreadyPresent: 200,
          lifecycleApplied: 0,
          institutionsRegistered: 0,
        });
        expect(again.lifecycleAlreadyApplied).toBe(summary.lifecycleCommands);
      } finally {
        await fast.close();
      }
    });
  });

  it('writes an inventory file that imports cleanly, and finds applied data already present', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patent-ledger-generate-'));
    const store = SqliteEventStore.open(':memory:');
    try {
      const province = generateProvince({ patents: 120, institutions: 8, seed: 'out' });
      for (const format of ['csv', 'jsonl'] as const) {
        expect(await writeInventoryFile(join(dir, `p.${format}`), province.patents(), format)).toBe(120);
      }
      const summary = await applyProvince(store, province, { userId: 'spec', clock: CLOCK });
      expect(summary.errorCount).toBe(0);
      const head = await store.headPosition();
      for (const format of ['csv', 'jsonl'] as const) {
        const imported = await importInventory(store, join(dir, `p.${format}`), { clock: CLOCK });
        expect(imported).toMatchObject({ rows: 120, imported: 0, alreadyPresent: 120, rejected: 0 });
      }
      expect(await store.headPosition()).toBe(head);

      // Into an empty ledger (institutions registered first), the file imports every row.
      const fresh = SqliteEventStore.open(':memory:');
      for (const inst of province.institutions) {
        const command = { type: 'RegisterInstitution' as const, data: inst, now: CLOCK() };
        await handleCommand(fresh, institutionDecider, institutionStream(inst.institutionId), command, {
          commandId: inst.institutionId,
          fingerprint: 'f',
          actor: ACTOR,
          now: CLOCK(),
        });
      }
      const csv = await importInventory(fresh, join(dir, 'p.csv'), { clock: CLOCK });
      expect(csv).toMatchObject({ rows: 120, imported: 120, rejected: 0 });
      const first = [...province.patents()][0]!;
      const [stored] = await fresh.readStream(patentStream(first.applicationNumber));
      expect(stored!.data).toEqual(
        patentDecider.decide(first.inventory, patentDecider.initialState())[0]!.data,
      );
      await fresh.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
