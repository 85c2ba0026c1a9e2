import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { CheckpointStore } from './relay';

/** A webhook an admin registered: where an organisation wants events, and which. */
export interface Webhook {
  id: string;
  /** The organisation the webhook delivers to; it receives only what that organisation may read. */
  orgId: string;
  role: string;
  url: string;
  /** Event types (`PatentInventoried`, `ObligationDueSoon`, …) or `*` for every type. */
  eventTypes: string[];
  description: string | undefined;
  createdAt: string;
  createdBy: string;
  /** The webhook receives the events after this log position (the head when it was registered). */
  fromPosition: number;
}

export interface WebhookWithSecret extends Webhook {
  /** `whsec_…`: the key of the HMAC-SHA256 signature (Standard Webhooks). */
  secret: string;
}

/** An event a webhook did not accept within its attempts. */
export interface DeadLetter {
  id: number;
  webhookId: string;
  position: number;
  eventId: string;
  eventType: string;
  streamName: string;
  /** The CloudEvent as it was sent. */
  body: string;
  attempts: number;
  lastError: string;
  failedAt: string;
  replayedAt: string | undefined;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoints (
  name       TEXT PRIMARY KEY,
  position   INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL,
  role          TEXT NOT NULL,
  url           TEXT NOT NULL,
  event_types   TEXT NOT NULL,
  secret        TEXT NOT NULL,
  description   TEXT,
  created_at    TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  from_position INTEGER NOT NULL,
  deleted_at    TEXT
);
CREATE TABLE IF NOT EXISTS dead_letters (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id  TEXT NOT NULL,
  position    INTEGER NOT NULL,
  event_id    TEXT NOT NULL,
  event_type  TEXT NOT NULL,
  stream_name TEXT NOT NULL,
  body        TEXT NOT NULL,
  attempts    INTEGER NOT NULL,
  last_error  TEXT NOT NULL,
  failed_at   TEXT NOT NULL,
  replayed_at TEXT
);
CREATE INDEX IF NOT EXISTS dead_letters_webhook ON dead_letters (webhook_id, id);
CREATE TABLE IF NOT EXISTS leases (
  name        TEXT PRIMARY KEY,
  holder      TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  acquired_at TEXT NOT NULL
);
`;

interface WebhookRow {
  id: string;
  org_id: string;
  role: string;
  url: string;
  event_types: string;
  secret: string;
  description: string | null;
  created_at: string;
  created_by: string;
  from_position: number;
}

interface DeadLetterRow {
  id: number;
  webhook_id: string;
  position: number;
  event_id: string;
  event_type: string;
  stream_name: string;
  body: string;
  attempts: number;
  last_error: string;
  failed_at: string;
  replayed_at: string | null;
}

const webhookOf = (r: WebhookRow): WebhookWithSecret => ({
  id: r.id,
  orgId: r.org_id,
  role: r.role,
  url: r.url,
  eventTypes: JSON.parse(r.event_types) as string[],
  description: r.description ?? undefined,
  createdAt: r.created_at,
  createdBy: r.created_by,
  fromPosition: r.from_position,
  secret: r.secret,
});

const deadLetterOf = (r: DeadLetterRow): DeadLetter => ({
  id: r.id,
  webhookId: r.webhook_id,
  position: r.position,
  eventId: r.event_id,
  eventType: r.event_type,
  streamName: r.stream_name,
  body: r.body,
  attempts: r.attempts,
  lastError: r.last_error,
  failedAt: r.failed_at,
  replayedAt: r.replayed_at ?? undefined,
});

/**
 * The publishers' own state, in a SQLite file of its own (LEDGER_PUBLISHERS_DB): each relay's
 * checkpoint, the registered webhooks (with their signing secrets) and their dead letters. Losing a
 * checkpoint's last write can only make a relay send events again (consumers drop copies by id),
 * never skip one, so commits need not fsync (WAL, synchronous=NORMAL).
 */
export class PublisherState implements CheckpointStore {
  private readonly getCheckpoint: Database.Statement<[string], { position: number }>;
  private readonly setCheckpoint: Database.Statement<[string, number, string]>;

  private constructor(private readonly db: Database.Database) {
    this.getCheckpoint = db.prepare('SELECT position FROM checkpoints WHERE name = ?');
    this.setCheckpoint = db.prepare(
      `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    );
  }

  static open(file: string): PublisherState {
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    const db = new Database(file, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    return new PublisherState(db);
  }

  async get(name: string): Promise<number | undefined> {
    return this.getCheckpoint.get(name)?.position;
  }

  async set(name: string, position: number): Promise<void> {
    this.setCheckpoint.run(name, position, new Date().toISOString());
  }

  addWebhook(w: WebhookWithSecret): void {
    this.db
      .prepare(
        `INSERT INTO webhooks (id, org_id, role, url, event_types, secret, description, created_at, created_by, from_position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        w.id,
        w.orgId,
        w.role,
        w.url,
        JSON.stringify(w.eventTypes),
        w.secret,
        w.description ?? null,
        w.createdAt,
        w.createdBy,
        w.fromPosition,
      );
    // The webhook's relay starts where it was registered.
    void this.set(webhookCheckpoint(w.id), w.fromPosition);
  }

  webhooks(): WebhookWithSecret[] {
    return (
      this.db
        .prepare('SELECT * FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, id')
        .all() as WebhookRow[]
    ).map(webhookOf);
  }

  webhook(id: string): WebhookWithSecret | undefined {
    const row = this.db.prepare('SELECT * FROM webhooks WHERE id = ? AND deleted_at IS NULL').get(id) as
      WebhookRow | undefined;
    return row && webhookOf(row);
  }

  deleteWebhook(id: string, at: string): boolean {
    return (
      this.db.prepare('UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(at, id)
        .changes > 0
    );
  }

  addDeadLetter(d: Omit<DeadLetter, 'id' | 'replayedAt'>): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO dead_letters (webhook_id, position, event_id, event_type, stream_name, body, attempts, last_error, failed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          d.webhookId,
          d.position,
          d.eventId,
          d.eventType,
          d.streamName,
          d.body,
          d.attempts,
          d.lastError,
          d.failedAt,
        ).lastInsertRowid,
    );
  }

  /** A webhook's dead letters, oldest first; `pending` only those not yet replayed. */
  deadLetters(webhookId: string, pending = false): DeadLetter[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM dead_letters WHERE webhook_id = ? ${pending ? 'AND replayed_at IS NULL' : ''} ORDER BY id`,
        )
        .all(webhookId) as DeadLetterRow[]
    ).map(deadLetterOf);
  }

  deadLetter(webhookId: string, id: number): DeadLetter | undefined {
    const row = this.db
      .prepare('SELECT * FROM dead_letters WHERE webhook_id = ? AND id = ?')
      .get(webhookId, id) as DeadLetterRow | undefined;
    return row && deadLetterOf(row);
  }

  markReplayed(id: number, at: string): void {
    this.db.prepare('UPDATE dead_letters SET replayed_at = ? WHERE id = ?').run(at, id);
  }

  recordFailedReplay(id: number, error: string): void {
    this.db
      .prepare('UPDATE dead_letters SET attempts = attempts + 1, last_error = ? WHERE id = ?')
      .run(error, id);
  }

  /**
   * Takes or renews the lease `name` for `holder` until `now + ttlMs` when it is free, expired or
   * already the holder's (one statement: two processes never both get it); true when held.
   */
  tryLease(name: string, holder: string, ttlMs: number, now = Date.now()): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET
             acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
             holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at < ?`,
        )
        .run(name, holder, now + ttlMs, new Date(now).toISOString(), now).changes > 0
    );
  }

  /** Gives the lease up (when `holder` has it), so a standby takes over at once. */
  releaseLease(name: string, holder: string): void {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
  }

  leaseHolder(name: string, now = Date.now()): string | undefined {
    const row = this.db
      .prepare('SELECT holder FROM leases WHERE name = ? AND expires_at >= ?')
      .get(name, now) as { holder: string } | undefined;
    return row?.holder;
  }

  pendingDeadLetterCount(): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM dead_letters WHERE replayed_at IS NULL').get() as {
        n: number;
      }
    ).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The checkpoint name of a webhook's relay. */
export const webhookCheckpoint = (id: string): string => `webhook:${id}`;
