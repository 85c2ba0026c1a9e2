import type { CommandOutcome } from '@patent-ledger/eventsourcing';
import type { Response } from 'express';

/** Body of a successful command. */
export interface CommandResponse {
  streamName: string;
  /** Stream version after the command: send it back as If-Match to pin the next command. */
  version: number;
  events: { eventId: string; type: string; version: number; position: number; recordedAt: string }[];
}

export function commandResponse(outcome: CommandOutcome): CommandResponse {
  return {
    streamName: outcome.streamName,
    version: outcome.version,
    events: outcome.events.map((e) => ({
      eventId: e.metadata.eventId,
      type: e.type,
      version: e.version,
      position: e.position,
      recordedAt: e.metadata.recordedAt,
    })),
  };
}

export const etagOf = (version: number): string => `"${version}"`;

/** Sets ETag and, for a replayed command, `Idempotent-Replayed: true`. */
export function sendCommandOutcome(
  res: Response,
  status: number,
  outcome: CommandOutcome,
  location?: string,
): CommandResponse {
  res.status(status);
  res.setHeader('ETag', etagOf(outcome.version));
  if (location) res.setHeader('Location', location);
  if (outcome.duplicate) res.setHeader('Idempotent-Replayed', 'true');
  return commandResponse(outcome);
}
