/**
 * Deciding inventory rows: the CPU-bound part of an import (the patent decider, the canonical key
 * order, the fingerprint and the event id), which needs no store. It runs on the importer's thread or
 * in its worker thread (import-worker.ts), which sends the results as plain data.
 */
import { hash } from 'node:crypto';
import { patentDecider, type InventoryPatent, type PatentInventoried } from '@patent-ledger/domain';
import { deterministicEventId, fingerprintOf, type JsonObject } from '@patent-ledger/eventsourcing';
import { canonicalCopy } from './canonical';
import { errorOf, type SourceRow } from './row-source';
import type { InventoryData } from './rows';

export const importCommandId = (applicationNumber: string): string => `import:${applicationNumber}`;

/** An inventory record decided by the patent decider. */
export interface DecidedInventory {
  /** The event, its data in canonical key order (see canonicalCopy) when it is plain JSON. */
  event: PatentInventoried;
  /** `fingerprintOf({type, data})` of the event. */
  fingerprint: string;
  /** `JSON.stringify(event.data)`, when already written for the fingerprint. */
  dataJson?: string;
}

/**
 * Decides an `InventoryPatent` command against an empty state; throws the decider's DomainError for
 * an invalid record. The event's data comes back in canonical key order (same values), so its JSON is
 * its canonical form: the fingerprint is hashed from it, and the SQLite store reuses it for the hash.
 */
export function decideInventory(
  data: InventoryData | Record<string, unknown>,
  now: string,
): DecidedInventory {
  const command = { type: 'InventoryPatent', data, now } as InventoryPatent;
  const [decided] = patentDecider.decide(command, patentDecider.initialState()) as [PatentInventoried];
  const sorted = canonicalCopy(decided.data);
  if (!sorted) {
    return { event: decided, fingerprint: fingerprintOf({ type: decided.type, data: decided.data }) };
  }
  const dataJson = JSON.stringify(sorted);
  // canonicalJson({type, data}) with data already canonical: {"data":…,"type":…}.
  const fingerprint = hash('sha256', `{"data":${dataJson},"type":${JSON.stringify(decided.type)}}`, 'hex');
  return { event: { type: decided.type, data: sorted }, fingerprint, dataJson };
}

/**
 * A row ready for the store: decided (with its fingerprint and event id) or rejected with its reason.
 * Plain data, so a worker thread can send it: `dataJson` replaces `data` on the way.
 */
export interface PreparedRow {
  row: number;
  line: number;
  /** Original fields, for the rejects file. */
  original: string[];
  /** Byte offset in the source just after the row, when known (progress). */
  end?: number;
  applicationNumber?: string;
  /** Why the row cannot be imported (CSV, conversion or decider error). */
  error?: { code: string; message: string };
  institutionId?: string;
  fingerprint?: string;
  eventId?: string;
  /** The event data (canonical key order), on the importer's thread. */
  data?: JsonObject;
  /** The same as JSON, from a worker thread. */
  dataJson?: string;
}

/** Decides a source row. With `asJson` the event data is returned as JSON text (for a worker's message). */
export function prepareRow(source: SourceRow, now: string, asJson = false): PreparedRow {
  const prepared: PreparedRow = { row: source.row, line: source.line, original: source.original };
  if (source.end !== undefined) prepared.end = source.end;
  if (source.error) {
    prepared.error = source.error;
    return prepared;
  }
  try {
    const { event, fingerprint, dataJson } = decideInventory(source.data!, now);
    const { applicationNumber, institutionId } = event.data;
    prepared.applicationNumber = applicationNumber;
    prepared.institutionId = institutionId;
    prepared.fingerprint = fingerprint;
    prepared.eventId = deterministicEventId(importCommandId(applicationNumber), 0);
    if (asJson) prepared.dataJson = dataJson ?? JSON.stringify(event.data);
    else prepared.data = event.data as unknown as JsonObject;
  } catch (err) {
    const an = source.data?.['applicationNumber'];
    if (typeof an === 'string') prepared.applicationNumber = an;
    const institutionId = source.data?.['institutionId'];
    if (typeof institutionId === 'string') prepared.institutionId = institutionId;
    prepared.error = errorOf(err);
  }
  return prepared;
}
