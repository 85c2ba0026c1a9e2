import { ReadModels, type ReadModelsOptions } from './read-models';
import type { ReadModelProjection } from './sqlite-projection';
import { PostgresReadModelDb, type PostgresReadModelDbOptions } from './sql';

/**
 * Read models in a PostgreSQL schema of their own (every table unqualified on a search_path set to
 * it). The same projections, queries and rebuilds as on SQLite; rows and checkpoint of a batch are
 * committed in one transaction.
 */
export class PostgresReadModels extends ReadModels {
  private constructor(
    readonly pg: PostgresReadModelDb,
    projections: readonly ReadModelProjection[],
    options: ReadModelsOptions,
  ) {
    super(pg, projections, options);
  }

  /** Connects and creates the schema if needed (the tables are created by init). */
  static async open(
    connection: PostgresReadModelDbOptions,
    projections: readonly ReadModelProjection[],
    options: ReadModelsOptions = {},
  ): Promise<PostgresReadModels> {
    const db = await PostgresReadModelDb.open(connection);
    const rm = new PostgresReadModels(db, projections, options);
    try {
      await rm.ready;
    } catch (err) {
      await db.close();
      throw err;
    }
    return rm;
  }
}
