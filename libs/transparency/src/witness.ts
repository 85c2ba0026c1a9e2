import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { headHash, parseHeadsText, type TreeHead } from './tree-head';

/** A copy of the signed heads kept outside the database. */
export interface Witness {
  /** Says where the copy is, for messages ("heads file /srv/witness/heads.jsonl"). */
  readonly name: string;
  /** Every head the witness holds, in the order it received them. */
  readAll(): Promise<WitnessRead>;
  /** The newest head, or undefined when it holds none. */
  latest(): Promise<TreeHead | undefined>;
  append(head: TreeHead): Promise<void>;
  close(): Promise<void>;
}

export interface WitnessRead {
  heads: TreeHead[];
  /** Entries that are not heads (a damaged or edited copy). */
  malformed: { line: number; reason: string }[];
  /** False when the witness holds nothing at all (no file yet, an empty subject). */
  exists: boolean;
}

export const HEADS_FILE = 'heads.jsonl';

/**
 * The heads file: one signed head per line (JSON Lines), appended and fsynced after each head, in a
 * folder of its own (LEDGER_WITNESS_DIR) — never the data folder, so rewriting the database leaves it.
 */
export class HeadsFileWitness implements Witness {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = join(dir, HEADS_FILE);
  }

  get name(): string {
    return `heads file ${this.file}`;
  }

  async readAll(): Promise<WitnessRead> {
    if (!existsSync(this.file)) return { heads: [], malformed: [], exists: false };
    const { heads, malformed } = parseHeadsText(readFileSync(this.file, 'utf8'));
    return { heads, malformed, exists: heads.length > 0 || malformed.length > 0 };
  }

  async latest(): Promise<TreeHead | undefined> {
    const { heads } = await this.readAll();
    return heads[heads.length - 1];
  }

  async append(head: TreeHead): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const fd = openSync(this.file, 'a', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(head)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async close(): Promise<void> {}
}

export interface NatsWitnessOptions {
  url: string;
  subject: string;
  stream: string;
  /** Connection timeout (ms). Default 2000. */
  timeoutMs?: number;
}

type NatsModule = typeof import('nats');
type NatsConnection = import('nats').NatsConnection;

/**
 * A NATS JetStream subject that receives every head (message id = the head's hash, so a re-publish
 * is dropped by the server's duplicate window). The stream is created when missing.
 */
export class NatsWitness implements Witness {
  private nc: NatsConnection | undefined;
  private nats: NatsModule | undefined;
  private ensured = false;

  constructor(private readonly options: NatsWitnessOptions) {}

  get name(): string {
    return `NATS subject ${this.options.subject} (stream ${this.options.stream}) at ${this.options.url}`;
  }

  private async connection(): Promise<{ nc: NatsConnection; nats: NatsModule }> {
    if (this.nc && !this.nc.isClosed() && this.nats) return { nc: this.nc, nats: this.nats };
    this.nats ??= await import('nats');
    this.nc = await this.nats.connect({
      servers: this.options.url,
      timeout: this.options.timeoutMs ?? 2000,
      maxReconnectAttempts: -1,
      name: 'patent-ledger-witness',
    });
    this.ensured = false;
    return { nc: this.nc, nats: this.nats };
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    if (this.ensured) return;
    const jsm = await nc.jetstreamManager();
    try {
      await jsm.streams.info(this.options.stream);
    } catch {
      await jsm.streams.add({ name: this.options.stream, subjects: [this.options.subject] });
    }
    this.ensured = true;
  }

  async append(head: TreeHead): Promise<void> {
    const { nc } = await this.connection();
    await this.ensureStream(nc);
    await nc.jetstream().publish(this.options.subject, new TextEncoder().encode(JSON.stringify(head)), {
      msgID: headHash(head),
      expect: { streamName: this.options.stream },
    });
  }

  async latest(): Promise<TreeHead | undefined> {
    const { nc } = await this.connection();
    const jsm = await nc.jetstreamManager();
    try {
      const m = await jsm.streams.getMessage(this.options.stream, { last_by_subj: this.options.subject });
      const { heads } = parseHeadsText(new TextDecoder().decode(m.data));
      return heads[0];
    } catch (err) {
      if (/no message found|stream not found|404/i.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  async readAll(): Promise<WitnessRead> {
    const { nc } = await this.connection();
    const jsm = await nc.jetstreamManager();
    let info;
    try {
      info = await jsm.streams.info(this.options.stream);
    } catch (err) {
      if (/stream not found|404/i.test((err as Error).message))
        return { heads: [], malformed: [], exists: false };
      throw err;
    }
    const heads: TreeHead[] = [];
    const malformed: { line: number; reason: string }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      let data: Uint8Array;
      try {
        const m = await jsm.streams.getMessage(this.options.stream, { seq });
        if (m.subject !== this.options.subject) continue;
        data = m.data;
      } catch {
        continue; // deleted message
      }
      const parsed = parseHeadsText(new TextDecoder().decode(data));
      heads.push(...parsed.heads);
      for (const x of parsed.malformed) malformed.push({ line: seq, reason: x.reason });
    }
    return { heads, malformed, exists: heads.length > 0 || malformed.length > 0 };
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
