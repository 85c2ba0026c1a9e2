import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@patent-ledger/domain';
import {
  ConcurrencyRetriesExhaustedError,
  IdempotencyKeyReusedError,
  WrongExpectedVersionError,
  type CommandOutcome,
} from '@patent-ledger/eventsourcing';
import type { LedgerCommand } from '../ledger/execute';
import { READ_MODELS } from '../read-models/read-models.service';
import type { ReadModels } from '@patent-ledger/read-models';
import { currentCorrelationId } from './context';
import { epochMs } from './command-timings';
import { MetricsService } from './metrics.service';
import { isTimedOutcome, type TimedOutcome } from './thread-metrics';
import { CORRELATION_ATTRIBUTE, inSpan, recordSpan, SpanStatusCode, tracer, tracingOn } from './tracing';

/** The outcome label of a failed command. */
export function outcomeOf(err: unknown): string {
  if (err instanceof DomainError)
    return err.kind === 'forbidden'
      ? 'denied'
      : err.kind === 'rule'
        ? 'rejected'
        : err.kind === 'not-found'
          ? 'not-found'
          : 'invalid';
  if (err instanceof WrongExpectedVersionError || err instanceof ConcurrencyRetriesExhaustedError)
    return 'conflict';
  if (err instanceof IdempotencyKeyReusedError) return 'invalid';
  if (err instanceof Error && err.name === 'AccessDeniedError') return 'denied';
  return 'error';
}

/**
 * Observes every ledger command at the one place they all pass (LedgerCommands): counts it by type
 * and outcome, times it, and — with tracing on — wraps it in a `command <type>` span with `decide`
 * and `append` children from the executor's timings, and a `project` span that ends when every
 * projection has applied its last event.
 */
@Injectable()
export class CommandObserver {
  private readonly pendingProjections: { position: number; end: (at: number) => void }[] = [];
  private projectionTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
  ) {}

  async observe(
    c: LedgerCommand,
    run: (c: LedgerCommand & { timed: true }) => Promise<CommandOutcome | TimedOutcome>,
  ): Promise<CommandOutcome> {
    const type = c.command.type;
    const started = epochMs();
    const execute = async (): Promise<CommandOutcome> => {
      let answer: CommandOutcome | TimedOutcome;
      try {
        answer = await run({ ...c, timed: true });
      } catch (err) {
        this.metrics.commands.inc({ command: type, outcome: outcomeOf(err) });
        this.metrics.commandDuration.observe({ command: type }, (epochMs() - started) / 1000);
        throw err;
      }
      const { outcome, timings } = isTimedOutcome(answer) ? answer : { outcome: answer, timings: undefined };
      this.metrics.commands.inc({ command: type, outcome: outcome.duplicate ? 'duplicate' : 'ok' });
      this.metrics.commandDuration.observe({ command: type }, (epochMs() - started) / 1000);
      for (const d of timings?.decide ?? []) this.metrics.decideDuration.observe((d.end - d.start) / 1000);
      for (const a of timings?.append ?? []) this.metrics.appendDuration.observe((a.end - a.start) / 1000);
      if (tracingOn()) {
        const attributes = {
          [CORRELATION_ATTRIBUTE]: currentCorrelationId() ?? c.ctx.correlationId ?? c.ctx.commandId,
        };
        for (const d of timings?.decide ?? []) recordSpan('decide', d.start, d.end, attributes);
        for (const a of timings?.append ?? [])
          recordSpan('append', a.start, a.end, { ...attributes, 'ledger.stream': outcome.streamName });
        const last = outcome.events[outcome.events.length - 1];
        if (last && !outcome.duplicate) this.traceProjection(last.position, attributes);
      }
      return outcome;
    };
    if (!tracingOn()) return execute();
    return inSpan(
      `command ${type}`,
      {
        'ledger.command': type,
        'ledger.command_id': c.ctx.commandId,
        [CORRELATION_ATTRIBUTE]: currentCorrelationId() ?? c.ctx.correlationId ?? c.ctx.commandId,
      },
      execute,
    );
  }

  /** A `project` span from now until every projection's checkpoint reaches `position`. */
  private traceProjection(position: number, attributes: Record<string, string>): void {
    const span = tracer().startSpan('project', {
      attributes: { ...attributes, 'ledger.position': position },
    });
    this.pendingProjections.push({
      position,
      end: (at) => {
        if (at < 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'not projected within 60 s' });
        span.end();
      },
    });
    this.projectionTimer ??= setTimeout(() => void this.checkProjections(Date.now() + 60_000), 20);
  }

  private async checkProjections(deadline: number): Promise<void> {
    this.projectionTimer = undefined;
    let reached = Infinity;
    try {
      for (const name of this.readModels.projectionNames)
        reached = Math.min(reached, await this.readModels.checkpoint(name));
    } catch {
      reached = 0;
    }
    const late = Date.now() > deadline;
    for (let i = this.pendingProjections.length - 1; i >= 0; i--) {
      const p = this.pendingProjections[i]!;
      if (p.position <= reached || late) {
        this.pendingProjections.splice(i, 1);
        p.end(p.position <= reached ? 0 : -1);
      }
    }
    if (this.pendingProjections.length > 0)
      this.projectionTimer = setTimeout(() => void this.checkProjections(deadline), 20);
  }
}
