/**
 * Patents for the benchmark: valid application numbers, commands and their events, decided by the
 * real patent decider, stored with full metadata exactly as the product stores them.
 */
import {
  checkDigit,
  institutionDecider,
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentDecider,
  patentStream,
  upcastPatentEvent,
  type EvaluatePatent,
  type InventoryPatent,
  type PatentCommand,
  type PatentEvent,
  type PatentEventType,
  type PatentState,
  type RegisterInstitution,
  type TagIntent,
} from '@patent-ledger/domain';
import {
  deterministicEventId,
  fingerprintOf,
  handleCommand,
  type Actor,
  type AppendRequest,
  type CommandContext,
  type EventStore,
  type HandleOptions,
  type JsonObject,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';

export const BENCH_NOW = '2025-06-01T04:00:00Z';
export const BENCH_INSTITUTION = 'tyut';
export const BENCH_ACTOR: Actor = { role: 'institution', orgId: 'tyut', userId: 'bench' };

/**
 * The i-th application number of a series: an invention filed in `year`, serial `series·10^6 + i`
 * (series 0-9 keeps the phases of one store apart), with its check digit.
 */
export function applicationNumber(i: number, series = 0, year = 2018): string {
  if (i >= 1_000_000 || series > 9) throw new Error(`application number out of range: ${series}/${i}`);
  const digits = `${year}1${String(series * 1_000_000 + i).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
}

/** The options the api's ExecutePatentHandler passes to handleCommand (apps/api/src/ledger/handlers.ts). */
export const PATENT_HANDLE_OPTIONS: HandleOptions<PatentEvent> = {
  upcast: (e: StoredEvent) => upcastPatentEvent(e).event,
  schemaVersionOf: (t) => PATENT_EVENT_SCHEMA_VERSIONS[t as PatentEventType] ?? 1,
};

export function inventoryCommand(an: string, i: number): InventoryPatent {
  return {
    type: 'InventoryPatent',
    now: BENCH_NOW,
    data: {
      applicationNumber: an,
      institutionId: BENCH_INSTITUTION,
      title: `一种煤矸石基多孔陶瓷材料及其制备方法（第${i}号）`,
      kind: 'invention',
      filingDate: '2018-03-15',
      grantDate: '2020-09-10',
      inventors: ['王磊', '李静'],
      coPatentees: [],
      ipc: i % 2 === 0 ? ['C04B 38/00', 'C04B 33/132'] : ['H01M 50/403'],
      fiscallyFunded: true,
      funding: { projectNumber: `BENCH-${i}`, funder: '科学技术部' },
      declaration: { declaredOn: '2018-03-15' },
      implementationStatus: 'not-implemented',
      technologyReadiness: 1 + (i % 9),
      selfAssessedGrade: 'A',
      applicationScenarios: ['煤矸石资源化利用', '工业废水过滤'],
      highValueFlags: { strategicEmergingIndustry: i % 3 === 0 },
      occurredOn: '2024-03-15',
    },
  };
}

export function intentCommand(an: string): TagIntent {
  return {
    type: 'TagIntent',
    now: BENCH_NOW,
    data: {
      applicationNumber: an,
      modes: ['transfer', 'license'],
      screening: {
        method: 'institution-central',
        decision: 'admitted',
        reason: '技术成熟度高，具备产业化前景',
      },
      askingPrice: '800000.00',
      occurredOn: '2024-04-02',
    },
  };
}

/** The body of `POST /patents/:id/evaluations` (without the application number). */
/** The enterprises whose evaluations the benchmark records (`ent-0` … `ent-996`). */
export const BENCH_ENTERPRISES = 997;

export function evaluationBody(k: number): Omit<EvaluatePatent['data'], 'applicationNumber'> {
  return {
    evaluationId: `ev-bench-${k}`,
    enterpriseId: `ent-${k % BENCH_ENTERPRISES}`,
    enterpriseName: '山西煤基新材料有限公司',
    enterpriseCategory: 'specialized-sme',
    industrializationProspect: 1 + (k % 5),
    improvementNeeds: { level: 'pilot-needed', notes: '需中试验证烧结工艺' },
    cooperationWillingness: 'license',
    occurredOn: '2024-05-10',
  };
}

export function evaluationCommand(an: string, k: number): EvaluatePatent {
  return { type: 'EvaluatePatent', now: BENCH_NOW, data: { ...evaluationBody(k), applicationNumber: an } };
}

/**
 * One append request holding a patent's whole history: inventory, intent (admitted) and
 * `evaluations` evaluations, each decided against the state folded so far (as the product would),
 * with the metadata the product writes.
 */
export function patentHistoryRequest(
  an: string,
  i: number,
  evaluations: number,
  recordedAt = BENCH_NOW,
): AppendRequest {
  const commands: PatentCommand[] = [inventoryCommand(an, i), intentCommand(an)];
  for (let k = 0; k < evaluations; k++) commands.push(evaluationCommand(an, k));
  let state: PatentState = patentDecider.initialState();
  const events: AppendRequest['events'] = [];
  const seedId = `bench-seed:${an}`;
  commands.forEach((command, n) => {
    const decided = patentDecider.decide(command, state);
    const commandId = `${seedId}:${n}`;
    decided.forEach((e, j) => {
      events.push({
        type: e.type,
        data: e.data as unknown as JsonObject,
        metadata: {
          eventId: deterministicEventId(commandId, j),
          commandId,
          correlationId: seedId,
          causationId: commandId,
          actor: BENCH_ACTOR,
          recordedAt,
          schemaVersion: PATENT_EVENT_SCHEMA_VERSIONS[e.type as PatentEventType] ?? 1,
        },
      });
      state = patentDecider.evolve(state, e);
    });
  });
  return {
    streamName: patentStream(an),
    events,
    options: {
      expectedVersion: 'no_stream',
      command: { commandId: seedId, fingerprint: fingerprintOf({ seed: an, evaluations }), recordedAt },
    },
  };
}

/** Registers the benchmark's institution through handleCommand (idempotent). */
export async function registerInstitution(
  store: EventStore,
  institutionId = BENCH_INSTITUTION,
): Promise<void> {
  const data: RegisterInstitution['data'] = {
    institutionId,
    name: '太原理工大学',
    kind: 'university',
    province: '山西',
    milestoneGroup: 'tyut',
    stockPatentCount: 3_000_000,
    occurredOn: '2024-02-29',
  };
  const fingerprint = fingerprintOf({ type: 'RegisterInstitution', data });
  await handleCommand(
    store,
    institutionDecider,
    institutionStream(institutionId),
    { type: 'RegisterInstitution', data, now: BENCH_NOW },
    {
      commandId: `bench:register:${institutionId}`,
      fingerprint,
      actor: BENCH_ACTOR,
      now: BENCH_NOW,
    },
  );
}

/** Seeds `count` patents of a series, each with `evaluations` evaluations, in appendMany batches. */
export async function seedPatents(
  store: EventStore,
  opts: {
    series: number;
    count: number;
    evaluations: number;
    batch?: number;
    onProgress?: (done: number) => void;
  },
): Promise<string[]> {
  const batch = opts.batch ?? Math.max(1, Math.floor(5000 / (opts.evaluations + 2)));
  const numbers: string[] = [];
  for (let from = 0; from < opts.count; from += batch) {
    const requests: AppendRequest[] = [];
    for (let i = from; i < Math.min(opts.count, from + batch); i++) {
      const an = applicationNumber(i, opts.series);
      numbers.push(an);
      requests.push(patentHistoryRequest(an, i, opts.evaluations));
    }
    const results = await store.appendMany(requests);
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw new Error(`seeding failed: ${failed.error.message}`);
    opts.onProgress?.(Math.min(opts.count, from + batch));
  }
  return numbers;
}

/** The command context the api builds for a request (apps/api/src/common/command-context.ts). */
export function commandContextFor(
  commandId: string,
  method: string,
  path: string,
  body: unknown,
): CommandContext {
  return {
    commandId,
    fingerprint: fingerprintOf({ method, path, body }),
    actor: BENCH_ACTOR,
    now: BENCH_NOW,
  };
}
