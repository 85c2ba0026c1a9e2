import { ProblemException } from './problem';

/** 400 `REQUEST.INVALID_QUERY` naming the query parameter. */
export const invalidQuery = (field: string, message: string): ProblemException =>
  ProblemException.of(400, 'REQUEST.INVALID_QUERY', message, { errors: [{ field, message }] });

/** The `minPosition` query parameter (read-your-writes): a whole number, or undefined when absent. */
export function minPositionOf(minPosition: string | undefined): number | undefined {
  if (minPosition === undefined) return undefined;
  if (!/^\d{1,15}$/.test(minPosition))
    throw invalidQuery('minPosition', 'minPosition must be a whole number');
  return Number(minPosition);
}
