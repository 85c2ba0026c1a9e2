/**
 * Applying a generated province to an event store, and writing its inventory as an import file.
 *
 * Every command goes through the real deciders. Institutions go through `handleCommand`; one that is
 * already registered is kept as it is (its stock count is not overwritten by the data set's). Patents are
 * applied in chunks with two `appendMany` commits each: first the inventory records (exactly as the
 * importer appends them: command id `import:<applicationNumber>`, so importing the `--out` file of
 * the same data set afterwards finds every row already present), then the lifecycle commands of the
 * patents whose inventory is ours. Each lifecycle command is decided against the state folded in
 * memory from the events this run decided, and appended with the stream version that state implies:
 * if anybody else wrote to the stream in between, the append fails with a version conflict instead of
 * being applied to a state it was not decided against. Command ids are deterministic
 * (`generate:<applicationNumber>:<n>`), so re-applying the same data set appends nothing.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  DomainError,
  institutionDecider,
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentDecider,
  patentStream,
  type PatentEvent,
  type PatentEventType,
  type PatentState,
  type RegisterInstitution,
} from '@patent-ledger/domain';
import {
  deterministicEventId,
  fingerprintOf,
  handleCommand,
  newId,
  type AppendRequest,
  type EventStore,
  type JsonObject,
} from '@patent-ledger/eventsourcing';
import { authorizePatentCommand, partyFor, type Role } from '@patent-ledger/access';
import { CSV_BOM, csvRow } from './csv';
import type { GeneratedPatent, GeneratedProvince } from './generator';
import { buildInventoryRequest, type ImportFormat } from './importer';
import type { ProgressSnapshot } from './progress';
import { INVENTORY_FIELDS, inventoryCells } from './rows';

/** The user recorded for every party the generator acts as. */
export const DEFAULT_GENERATE_USER = 'generator';
/** The ip-office that registers the generated institutions and organises their promotions. */
export const DEFAULT_GENERATE_IP_OFFICE = 'ip-office';

export interface ApplyOptions {
  /**
   * The user recorded for each event; the role and organisation are those of the party the access
   * policy allows for each command (the ip-office, each institution, each enterprise).
   */
  userId?: string;
  /** The ip-office organisation that registers institutions and promotes patents. */
  ipOfficeOrg?: string;
  /** Correlation id of every event of the run (default `generate-<uuid>`). */
  runId?: string;
  /** The handler's clock (recordedAt); must not be before the province's `now`. */
  clock?: () => string;
  /** Patents per chunk (default 500: about 500 inventory and 1,000 lifecycle requests per commit). */
  patentsPerChunk?: number;
  onProgress?: (p: ProgressSnapshot) => void;
}

export interface ApplyError {
  streamName: string;
  commandType: string;
  code: string;
  message: string;
}

export interface ApplySummary {
  runId: string;
  institutionsRegistered: number;
  /**
   * Institutions of the data set that were already registered (by an IP office, an earlier run):
   * left as they are, since their registration, and not the data set, is the record.
   */
  institutionsKept: number;
  patents: number;
  inventoried: number;
  /** Inventory records found already stored (an earlier run, or an import of the same data). */
  alreadyPresent: number;
  lifecycleCommands: number;
  lifecycleApplied: number;
  lifecycleAlreadyApplied: number;
  eventsAppended: number;
  /** Commands that could not be applied (expected: none). At most 100 are kept; `errorCount` counts all. */
  errors: ApplyError[];
  errorCount: number;
  elapsedMs: number;
}

const errorFields = (err: unknown): { code: string; message: string } => {
  const code = (err as { code?: unknown }).code;
  return {
    code: typeof code === 'string' ? code : 'ERROR',
    message: err instanceof Error ? err.message : String(err),
  };
};

/** The command id of the n-th (1-based) lifecycle command of a generated patent. */
export const lifecycleCommandId = (applicationNumber: string, n: number): string =>
  `generate:${applicationNumber}:${n}`;

export async function applyProvince(
  store: EventStore,
  province: GeneratedProvince,
  options: ApplyOptions = {},
): Promise<ApplySummary> {
  const started = performance.now();
  const userId = options.userId ?? DEFAULT_GENERATE_USER;
  const ipOfficeOrg = options.ipOfficeOrg ?? DEFAULT_GENERATE_IP_OFFICE;
  const as = (p: { role: Role; orgId: string }) => ({ role: p.role, orgId: p.orgId, userId });
  const runId = options.runId ?? `generate-${newId()}`;
  const clock = options.clock ?? (() => new Date().toISOString());
  const chunkSize = options.patentsPerChunk ?? 500;
  if (Date.parse(clock()) < Date.parse(province.now)) {
    throw new Error(
      `the data set's now (${province.now}) is in the future: its events would be recorded before they happen`,
    );
  }
  const summary: ApplySummary = {
    runId,
    institutionsRegistered: 0,
    institutionsKept: 0,
    patents: 0,
    inventoried: 0,
    alreadyPresent: 0,
    lifecycleCommands: 0,
    lifecycleApplied: 0,
    lifecycleAlreadyApplied: 0,
    eventsAppended: 0,
    errors: [],
    errorCount: 0,
    elapsedMs: 0,
  };
  const fail = (streamName: string, commandType: string, err: unknown) => {
    summary.errorCount++;
    if (summary.errors.length < 100) summary.errors.push({ streamName, commandType, ...errorFields(err) });
  };

  for (const inst of province.institutions) {
    const { institutionId, occurredOn, ...rest } = inst;
    const data: RegisterInstitution['data'] = {
      institutionId,
      ...rest,
      occurredOn,
      reason: `generated data set (seed ${String(province.seed)})`,
    };
    const fingerprint = fingerprintOf({ type: 'RegisterInstitution', data });
    const streamName = institutionStream(institutionId);
    try {
      if ((await store.streamVersion(streamName)) > 0) {
        summary.institutionsKept++;
        continue;
      }
      const now = clock();
      const outcome = await handleCommand(
        store,
        institutionDecider,
        streamName,
        { type: 'RegisterInstitution', data, now },
        {
          commandId: `generate:${institutionId}:${fingerprint.slice(0, 16)}`,
          fingerprint,
          actor: as({ role: 'ip-office', orgId: ipOfficeOrg }),
          now,
          correlationId: runId,
        },
      );
      if (!outcome.duplicate && outcome.events.some((e) => e.type === 'InstitutionRegistered'))
        summary.institutionsRegistered++;
      summary.eventsAppended += outcome.duplicate ? 0 : outcome.events.length;
    } catch (err) {
      fail(streamName, 'RegisterInstitution', err);
    }
  }

  let chunk: GeneratedPatent[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const recordedAt = clock();
    const inventories: { patent: GeneratedPatent; state: PatentState; request: AppendRequest }[] = [];
    for (const patent of chunk) {
      try {
        const built = buildInventoryRequest(patent.inventory.data, {
          now: patent.inventory.now,
          recordedAt,
          actor: as({ role: 'institution', orgId: patent.inventory.data.institutionId }),
          correlationId: runId,
        });
        inventories.push({
          patent,
          state: patentDecider.evolve(patentDecider.initialState(), built.event),
          request: built.request,
        });
      } catch (err) {
        fail(patentStream(patent.applicationNumber), 'InventoryPatent', err);
      }
    }
    const inventoryResults = await store.appendMany(inventories.map((i) => i.request));
    const lifecycle: AppendRequest[] = [];
    inventories.forEach(({ patent, state: initial, request }, i) => {
      const result = inventoryResults[i]!;
      if (!result.ok) {
        fail(request.streamName, 'InventoryPatent', result.error);
        return;
      }
      if (result.result.duplicate) summary.alreadyPresent++;
      else {
        summary.inventoried++;
        summary.eventsAppended++;
      }
      let state = initial;
      let version = 1;
      patent.lifecycle.forEach((command, k) => {
        if (state.status === 'none') return;
        summary.lifecycleCommands++;
        let events: PatentEvent[];
        // Each command is sent, and recorded, as the party the access policy allows for it.
        const party = as(partyFor(command, state, ipOfficeOrg));
        try {
          authorizePatentCommand(party, command, state);
          events = patentDecider.decide(command, state);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          fail(request.streamName, command.type, err);
          state = { status: 'none' }; // the rest of this patent's story no longer holds
          return;
        }
        const commandId = lifecycleCommandId(patent.applicationNumber, k + 1);
        lifecycle.push({
          streamName: request.streamName,
          events: events.map((e, j) => ({
            type: e.type,
            data: e.data as unknown as JsonObject,
            metadata: {
              eventId: deterministicEventId(commandId, j),
              commandId,
              correlationId: runId,
              causationId: commandId,
              actor: party,
              recordedAt,
              schemaVersion: PATENT_EVENT_SCHEMA_VERSIONS[e.type as PatentEventType] ?? 1,
            },
          })),
          options: {
            expectedVersion: version,
            command: {
              commandId,
              fingerprint: fingerprintOf({ type: command.type, data: command.data }),
              recordedAt,
            },
          },
        });
        version += events.length;
        state = events.reduce(patentDecider.evolve, state);
      });
    });
    const lifecycleResults = await store.appendMany(lifecycle);
    lifecycleResults.forEach((r, i) => {
      if (!r.ok) {
        const req = lifecycle[i]!;
        fail(req.streamName, req.events[0]?.type ?? 'command', r.error);
      } else if (r.result.duplicate) {
        summary.lifecycleAlreadyApplied++;
      } else {
        summary.lifecycleApplied++;
        summary.eventsAppended += r.result.events.length;
      }
    });
    summary.patents += chunk.length;
    chunk = [];
    options.onProgress?.({
      rows: summary.patents,
      imported: summary.inventoried,
      alreadyPresent: summary.alreadyPresent,
      rejected: summary.errorCount,
      elapsedMs: performance.now() - started,
      fraction: province.patentCount === 0 ? 1 : summary.patents / province.patentCount,
    });
  };

  for (const patent of province.patents()) {
    chunk.push(patent);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/** Writes the inventory records of a province as an import file (CSV with a BOM, or JSON Lines). */
export async function writeInventoryFile(
  path: string,
  patents: Iterable<GeneratedPatent>,
  format: ImportFormat,
): Promise<number> {
  const out = createWriteStream(path);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('error', reject);
    out.on('close', resolve);
  });
  let rows = 0;
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), closed]);
  };
  try {
    if (format === 'csv') await write(CSV_BOM + csvRow(INVENTORY_FIELDS));
    for (const p of patents) {
      await write(
        format === 'csv' ? csvRow(inventoryCells(p.inventory.data)) : `${JSON.stringify(p.inventory.data)}\n`,
      );
      rows++;
    }
  } finally {
    out.end();
  }
  await closed;
  return rows;
}
