import { Logger } from '@nestjs/common';
import { withCorrelationId } from './context';
import { JsonLogger, logLevelsOf } from './json-logger';

describe('JSON logs', () => {
  const lines: { line: string; error: boolean }[] = [];
  const logger = new JsonLogger(logLevelsOf('log'), (line, error) => lines.push({ line, error }));
  beforeEach(() => (lines.length = 0));

  it('one JSON object a line, with the correlation id of the work it belongs to', () => {
    withCorrelationId('corr-42', () => logger.log('appended 3 events', 'Ledger'));
    logger.warn('outside any request', 'Publishers');
    const [a, b] = lines.map((l) => JSON.parse(l.line) as Record<string, unknown>);
    expect(a).toEqual({
      time: expect.any(String),
      level: 'log',
      context: 'Ledger',
      message: 'appended 3 events',
      correlationId: 'corr-42',
    });
    expect(b).toEqual(expect.objectContaining({ level: 'warn', correlationId: null }));
    expect(lines.every((l) => l.line.endsWith('\n') && !l.line.slice(0, -1).includes('\n'))).toBe(true);
  });

  it('errors go to stderr with their stack; debug is off at level log', async () => {
    await withCorrelationId('corr-7', async () => {
      await Promise.resolve();
      logger.error('failed', 'Error: boom\n    at x (y.ts:1:1)', 'Projector');
    });
    logger.debug('noise', 'Projector');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.error).toBe(true);
    expect(JSON.parse(lines[0]!.line)).toEqual(
      expect.objectContaining({
        level: 'error',
        context: 'Projector',
        correlationId: 'corr-7',
        stack: expect.stringContaining('boom'),
      }),
    );
  });

  it("NestJS's Logger writes through it", () => {
    Logger.overrideLogger(logger);
    withCorrelationId('corr-9', () => new Logger('Chain').log('signed a head'));
    Logger.overrideLogger(false);
    expect(JSON.parse(lines[0]!.line)).toEqual(
      expect.objectContaining({ context: 'Chain', correlationId: 'corr-9' }),
    );
  });
});
