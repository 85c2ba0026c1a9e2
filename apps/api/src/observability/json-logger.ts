import { ConsoleLogger, type LoggerService, type LogLevel } from '@nestjs/common';
import { currentCorrelationId } from './context';

const ORDER = ['error', 'warn', 'log', 'debug', 'verbose', 'fatal'] as const;

/**
 * NestJS's logger as JSON lines on stdout (errors on stderr): `{"time","level","context","message",
 * "correlationId"}` — the correlation id of the request or background task the line belongs to
 * (`null` only for lines of the start-up and shutdown, which belong to none), so a log pipeline can
 * gather every line of one request with the events it appended (their `metadata.correlationId`).
 */
export class JsonLogger implements LoggerService {
  private levels: Set<LogLevel>;

  constructor(
    levels: LogLevel[],
    private readonly out: (line: string, error: boolean) => void = (line, error) =>
      (error ? process.stderr : process.stdout).write(line),
  ) {
    this.levels = new Set(levels);
  }

  setLogLevels(levels: LogLevel[]): void {
    this.levels = new Set(levels);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.levels.has(level) && !(level === 'fatal' && this.levels.has('error'))) return;
    // Nest passes the context last; for errors a stack may come before it.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const stack =
      level === 'error' && typeof args[0] === 'string' && args[0].includes('\n    at ')
        ? args.shift()
        : undefined;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      ...(context ? { context } : {}),
      message: message instanceof Error ? message.message : typeof message === 'string' ? message : message,
      correlationId: currentCorrelationId() ?? null,
    };
    if (message instanceof Error && message.stack) line['stack'] = message.stack;
    if (stack) line['stack'] = stack;
    if (args.length > 0) line['details'] = args;
    this.out(`${safeJson(line)}\n`, level === 'error' || level === 'fatal');
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return JSON.stringify({
      ...(v as object),
      message: String((v as { message?: unknown }).message),
      details: undefined,
    });
  }
}

/** The log levels of LEDGER_LOG_LEVEL (each includes the ones above it). */
export function logLevelsOf(level: 'error' | 'warn' | 'log' | 'debug'): LogLevel[] {
  return ORDER.slice(0, ORDER.indexOf(level) + 1) as LogLevel[];
}

/** The logger of the api: JSON lines (default) or NestJS's console format (LEDGER_LOG_FORMAT=text). */
export function ledgerLogger(
  format: 'json' | 'text',
  level: 'error' | 'warn' | 'log' | 'debug',
): LoggerService {
  const levels = logLevelsOf(level);
  return format === 'json' ? new JsonLogger(levels) : new ConsoleLogger({ logLevels: levels });
}
