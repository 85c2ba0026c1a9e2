import Database from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { headHash, parseTreeHead, type TreeHead } from './tree-head';

/**
 * A complete chunk of the tree: the root of 2^chunkLevel consecutive leaves (a perfect subtree at
 * level chunkLevel), with the positions of its first and last event so a leaf can be found by
 * position (positions may have gaps: PostgreSQL's sequence skips the numbers of rolled-back appends).
 */
export interface StoredChunk {
  index: number;
  firstPosition: number;
  lastPosition: number;
  hash: Buffer;
}

/** A perfect subtree above the chunk level. */
export interface StoredNode {
  level: number;
  index: number;
  hash: Buffer;
}

/**
 * Where the Merkle tree keeps what proofs need: the chunk roots and the nodes above them (about
 * 2 × 32 bytes per 256 events: 2.5 MB for 10 M events) and the signed tree heads. The leaves
 * themselves are the event hashes of the log, read back (and checked against the chunk root) when
 * a proof needs them. Derived data: it can be dropped and rebuilt from the log at any time.
 */
export interface TreeStore {
  chunkCount(): Promise<number>;
  chunk(index: number): Promise<StoredChunk | undefined>;
  /** Stored chunks [from, from + count), in order. */
  chunks(from: number, count: number): Promise<StoredChunk[]>;
  /** The stored chunk whose positions include `position` (undefined when none does). */
  chunkContaining(position: number): Promise<StoredChunk | undefined>;
  node(level: number, index: number): Promise<Buffer | undefined>;
  /** Appends chunks and nodes in one transaction. */
  append(chunks: readonly StoredChunk[], nodes: readonly StoredNode[]): Promise<void>;
  /** Drops every chunk and node (not the heads): the tree is then rebuilt from the log. */
  clearTree(): Promise<void>;
  /** The chunk level the stored tree was built with (undefined when nothing is stored). */
  chunkLevel(): Promise<number | undefined>;
  setChunkLevel(level: number): Promise<void>;

  appendHead(h: TreeHead): Promise<void>;
  latestHead(): Promise<TreeHead | undefined>;
  /** Heads in signing order from the first whose tree size is at least `fromSize`. */
  heads(options?: { fromSize?: number; limit?: number }): Promise<TreeHead[]>;
  close(): Promise<void>;
}

const SQLITE_DDL = `
  CREATE TABLE IF NOT EXISTS merkle_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS merkle_chunks (
    idx INTEGER PRIMARY KEY, first_position INTEGER NOT NULL, last_position INTEGER NOT NULL, hash BLOB NOT NULL);
  CREATE INDEX IF NOT EXISTS merkle_chunks_last_position ON merkle_chunks (last_position);
  CREATE TABLE IF NOT EXISTS merkle_nodes (
    level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS tree_heads (
    seq INTEGER PRIMARY KEY, tree_size INTEGER NOT NULL, head_hash TEXT NOT NULL, head TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS tree_heads_tree_size ON tree_heads (tree_size);
`;

interface ChunkRow {
  idx: number;
  first_position: number;
  last_position: number;
  hash: Buffer;
}

const chunkOf = (r: ChunkRow | undefined): StoredChunk | undefined =>
  r && { index: r.idx, firstPosition: r.first_position, lastPosition: r.last_position, hash: r.hash };

function headOf(text: string): TreeHead {
  const h = parseTreeHead(JSON.parse(text));
  if (typeof h === 'string') throw new Error(`a stored tree head is not well-formed: ${h}`);
  return h;
}

/** The tree in a SQLite file (the api keeps it in the read-model file, LEDGER_READ_DB). */
export class SqliteTreeStore implements TreeStore {
  private constructor(private readonly db: Database.Database) {}

  /** Opens (and creates) the tables; `readonly` opens an existing file without creating anything. */
  static open(file: string, options: { readonly?: boolean } = {}): SqliteTreeStore {
    const db = new Database(file, options.readonly ? { readonly: true, fileMustExist: true } : {});
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      if (file !== ':memory:') db.pragma('journal_mode = WAL');
      db.exec(SQLITE_DDL);
    }
    return new SqliteTreeStore(db);
  }

  /** The connection (tests tamper with it). */
  get database(): Database.Database {
    return this.db;
  }

  private hasTable(name: string): boolean {
    return !!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
  }

  async chunkCount(): Promise<number> {
    if (!this.hasTable('merkle_chunks')) return 0;
    const r = this.db.prepare('SELECT max(idx) AS m FROM merkle_chunks').get() as { m: number | null };
    return r.m === null ? 0 : r.m + 1;
  }

  async chunk(index: number): Promise<StoredChunk | undefined> {
    return chunkOf(
      this.db.prepare('SELECT * FROM merkle_chunks WHERE idx = ?').get(index) as ChunkRow | undefined,
    );
  }

  async chunks(from: number, count: number): Promise<StoredChunk[]> {
    if (!this.hasTable('merkle_chunks')) return [];
    return (
      this.db
        .prepare('SELECT * FROM merkle_chunks WHERE idx >= ? AND idx < ? ORDER BY idx')
        .all(from, from + count) as ChunkRow[]
    ).map((r) => chunkOf(r)!);
  }

  async chunkContaining(position: number): Promise<StoredChunk | undefined> {
    const c = chunkOf(
      this.db
        .prepare('SELECT * FROM merkle_chunks WHERE last_position >= ? ORDER BY last_position LIMIT 1')
        .get(position) as ChunkRow | undefined,
    );
    return c && c.firstPosition <= position ? c : undefined;
  }

  async node(level: number, index: number): Promise<Buffer | undefined> {
    const r = this.db
      .prepare('SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?')
      .get(level, index) as { hash: Buffer } | undefined;
    return r?.hash;
  }

  async append(chunks: readonly StoredChunk[], nodes: readonly StoredNode[]): Promise<void> {
    const insChunk = this.db.prepare(
      'INSERT INTO merkle_chunks (idx, first_position, last_position, hash) VALUES (?, ?, ?, ?)',
    );
    const insNode = this.db.prepare('INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const c of chunks) insChunk.run(c.index, c.firstPosition, c.lastPosition, c.hash);
      for (const n of nodes) insNode.run(n.level, n.index, n.hash);
    })();
  }

  async clearTree(): Promise<void> {
    this.db.exec('DELETE FROM merkle_chunks; DELETE FROM merkle_nodes;');
  }

  async chunkLevel(): Promise<number | undefined> {
    if (!this.hasTable('merkle_meta')) return undefined;
    const r = this.db.prepare("SELECT value FROM merkle_meta WHERE key = 'chunk_level'").get() as
      { value: string } | undefined;
    return r ? Number(r.value) : undefined;
  }

  async setChunkLevel(level: number): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO merkle_meta (key, value) VALUES ('chunk_level', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run(String(level));
  }

  async appendHead(h: TreeHead): Promise<void> {
    this.db
      .prepare('INSERT INTO tree_heads (tree_size, head_hash, head) VALUES (?, ?, ?)')
      .run(h.treeSize, headHash(h), JSON.stringify(h));
  }

  async latestHead(): Promise<TreeHead | undefined> {
    if (!this.hasTable('tree_heads')) return undefined;
    const r = this.db
      .prepare('SELECT head FROM tree_heads ORDER BY tree_size DESC, seq DESC LIMIT 1')
      .get() as { head: string } | undefined;
    return r && headOf(r.head);
  }

  async heads(options: { fromSize?: number; limit?: number } = {}): Promise<TreeHead[]> {
    if (!this.hasTable('tree_heads')) return [];
    const rows = this.db
      .prepare('SELECT head FROM tree_heads WHERE tree_size >= ? ORDER BY tree_size, seq LIMIT ?')
      .all(options.fromSize ?? 0, options.limit ?? -1) as { head: string }[];
    return rows.map((r) => headOf(r.head));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The tree in a PostgreSQL schema (the api uses the read models' schema, LEDGER_PG_SCHEMA + `_read`). */
export class PostgresTreeStore implements TreeStore {
  private constructor(
    private readonly pool: Pool,
    private readonly s: string,
    private readonly ownsPool: boolean,
  ) {}

  /** Creates the schema and tables unless `readonly`. */
  static async open(
    options:
      | { pool: Pool; schema: string; readonly?: boolean }
      | { connectionString: string; schema: string; readonly?: boolean },
  ): Promise<PostgresTreeStore> {
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`not a schema name: ${options.schema}`);
    let pool: Pool;
    let owns = false;
    if ('pool' in options) pool = options.pool;
    else {
      const pg = await import('pg');
      pool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
      pool.on('error', () => undefined);
      // A connection that drops while checked out (a server restart) emits 'error' on its client,
      // which the pool listens to only while it is idle: without this, an uncaught exception.
      pool.on('connect', (client) => client.on('error', () => undefined));
      owns = true;
    }
    const s = `"${options.schema}"`;
    if (!options.readonly) {
      await pool.query(`
        CREATE SCHEMA IF NOT EXISTS ${s};
        CREATE TABLE IF NOT EXISTS ${s}.merkle_meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${s}.merkle_chunks (
          idx bigint PRIMARY KEY, first_position bigint NOT NULL, last_position bigint NOT NULL, hash bytea NOT NULL);
        CREATE INDEX IF NOT EXISTS merkle_chunks_last_position ON ${s}.merkle_chunks (last_position);
        CREATE TABLE IF NOT EXISTS ${s}.merkle_nodes (
          level integer NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
        CREATE TABLE IF NOT EXISTS ${s}.tree_heads (
          seq bigserial PRIMARY KEY, tree_size bigint NOT NULL, head_hash text NOT NULL, head text NOT NULL);
        CREATE INDEX IF NOT EXISTS tree_heads_tree_size ON ${s}.tree_heads (tree_size);
      `);
    }
    return new PostgresTreeStore(pool, s, owns);
  }

  /** Runs a query; a missing table (a read-only open of a schema never written) reads as no rows. */
  private async q<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query<T>(sql, params)).rows;
    } catch (err) {
      if ((err as { code?: string }).code === '42P01' || (err as { code?: string }).code === '3F000')
        return [];
      throw err;
    }
  }

  async chunkCount(): Promise<number> {
    const [r] = await this.q<{ m: string | null }>(`SELECT max(idx) AS m FROM ${this.s}.merkle_chunks`);
    return r?.m == null ? 0 : Number(r.m) + 1;
  }

  private static chunk(
    r: { idx: string; first_position: string; last_position: string; hash: Buffer } | undefined,
  ) {
    return (
      r && {
        index: Number(r.idx),
        firstPosition: Number(r.first_position),
        lastPosition: Number(r.last_position),
        hash: r.hash,
      }
    );
  }

  async chunk(index: number): Promise<StoredChunk | undefined> {
    const [r] = await this.q<{ idx: string; first_position: string; last_position: string; hash: Buffer }>(
      `SELECT * FROM ${this.s}.merkle_chunks WHERE idx = $1`,
      [index],
    );
    return PostgresTreeStore.chunk(r);
  }

  async chunks(from: number, count: number): Promise<StoredChunk[]> {
    const rows = await this.q<{ idx: string; first_position: string; last_position: string; hash: Buffer }>(
      `SELECT * FROM ${this.s}.merkle_chunks WHERE idx >= $1 AND idx < $2 ORDER BY idx`,
      [from, from + count],
    );
    return rows.map((r) => PostgresTreeStore.chunk(r)!);
  }

  async chunkContaining(position: number): Promise<StoredChunk | undefined> {
    const [r] = await this.q<{ idx: string; first_position: string; last_position: string; hash: Buffer }>(
      `SELECT * FROM ${this.s}.merkle_chunks WHERE last_position >= $1 ORDER BY last_position LIMIT 1`,
      [position],
    );
    const c = PostgresTreeStore.chunk(r);
    return c && c.firstPosition <= position ? c : undefined;
  }

  async node(level: number, index: number): Promise<Buffer | undefined> {
    const [r] = await this.q<{ hash: Buffer }>(
      `SELECT hash FROM ${this.s}.merkle_nodes WHERE level = $1 AND idx = $2`,
      [level, index],
    );
    return r?.hash;
  }

  async append(chunks: readonly StoredChunk[], nodes: readonly StoredNode[]): Promise<void> {
    if (chunks.length === 0 && nodes.length === 0) return;
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (let i = 0; i < chunks.length; i += 500) {
        const part = chunks.slice(i, i + 500);
        await client.query(
          `INSERT INTO ${this.s}.merkle_chunks (idx, first_position, last_position, hash)
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[])`,
          [
            part.map((c) => c.index),
            part.map((c) => c.firstPosition),
            part.map((c) => c.lastPosition),
            part.map((c) => c.hash),
          ],
        );
      }
      for (let i = 0; i < nodes.length; i += 500) {
        const part = nodes.slice(i, i + 500);
        await client.query(
          `INSERT INTO ${this.s}.merkle_nodes (level, idx, hash)
           SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bytea[])`,
          [part.map((n) => n.level), part.map((n) => n.index), part.map((n) => n.hash)],
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async clearTree(): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.s}.merkle_chunks; DELETE FROM ${this.s}.merkle_nodes;`);
  }

  async chunkLevel(): Promise<number | undefined> {
    const [r] = await this.q<{ value: string }>(
      `SELECT value FROM ${this.s}.merkle_meta WHERE key = 'chunk_level'`,
    );
    return r ? Number(r.value) : undefined;
  }

  async setChunkLevel(level: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.merkle_meta (key, value) VALUES ('chunk_level', $1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(level)],
    );
  }

  async appendHead(h: TreeHead): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.tree_heads (tree_size, head_hash, head) VALUES ($1, $2, $3)`,
      [h.treeSize, headHash(h), JSON.stringify(h)],
    );
  }

  async latestHead(): Promise<TreeHead | undefined> {
    const [r] = await this.q<{ head: string }>(
      `SELECT head FROM ${this.s}.tree_heads ORDER BY tree_size DESC, seq DESC LIMIT 1`,
    );
    return r && headOf(r.head);
  }

  async heads(options: { fromSize?: number; limit?: number } = {}): Promise<TreeHead[]> {
    const rows = await this.q<{ head: string }>(
      `SELECT head FROM ${this.s}.tree_heads WHERE tree_size >= $1 ORDER BY tree_size, seq LIMIT $2`,
      [options.fromSize ?? 0, options.limit ?? null],
    );
    return rows.map((r) => headOf(r.head));
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
