/**
 * The CLI escapes control characters when it prints stored text (issue 12, item 5): a title stored
 * before the api refused such text (or written around it) cannot drive the terminal or reorder what
 * an auditor reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { JsonObject } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { runCli } from '../../apps/cli/src/main';
import { printable } from '../../apps/cli/src/printable';
import { EXAMPLES } from '../../apps/api/src/patents/examples';

describe('printable', () => {
  it.each([
    ['ESC', 'red \u001b[31mtext', 'red \\u001b[31mtext'],
    ['CR', 'shown\roverwritten', 'shown\\u000doverwritten'],
    ['NUL and DEL', 'a\u0000b\u007f', 'a\\u0000b\\u007f'],
    ['a C1 control', 'x\u009by', 'x\\u009by'],
    ['a right-to-left override', 'abc\u202Edcba', 'abc\\u202edcba'],
    ['an isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
  ])('escapes %s', (_what, input, output) => {
    expect(printable(input)).toBe(output);
  });

  it('keeps tabs, line feeds, Chinese text and emoji', () => {
    expect(printable('一种材料\t方法\n🔬')).toBe('一种材料\t方法\n🔬');
  });

  it('keeps --json output valid JSON with the same value', () => {
    const json = JSON.stringify({ title: 'abc\u202Edcba' });
    expect(JSON.parse(printable(json))).toEqual({ title: 'abc\u202Edcba' });
  });
});

describe('patent-ledger replay of stored text with control characters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patent-ledger-printable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints them escaped, on stdout and in --json', async () => {
    const db = join(dir, 'ledger.db');
    const store = SqliteEventStore.open(db);
    const n = EXAMPLES.inventory.applicationNumber;
    await store.append(
      `patent-${n}`,
      [
        {
          type: 'PatentInventoried',
          data: {
            ...(structuredClone(EXAMPLES.inventory) as unknown as JsonObject),
            title: 'evil\u001b]0;owned\u0007 \u202Etxt.exe',
          },
          metadata: {
            eventId: 'e-1',
            commandId: 'c-1',
            correlationId: 'c-1',
            causationId: 'c-1',
            actor: { role: 'institution', orgId: 'tyut', userId: 'u\u001b[2J' },
            recordedAt: '2024-05-01T00:00:00.000Z',
            schemaVersion: 1,
          },
        },
      ],
      { expectedVersion: 0 },
    );
    await store.close();
    const env = {
      LEDGER_DB: db,
      LEDGER_READ_DB: join(dir, 'read-models.db'),
      LEDGER_SIGNING_KEY_FILE: 'off',
      LEDGER_WITNESS_DIR: 'off',
    };
    for (const args of [
      ['replay', n],
      ['replay', n, '--json'],
    ]) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      stdout.on('data', (c: Buffer) => (out += c.toString()));
      const code = await runCli(args, env, { stdout, stderr, isTTY: false });
      expect({ args, code }).toEqual({ args, code: 0 });
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\u001b\u0007\u202E]/);
      expect(out).toContain('\\u001b');
      if (args.includes('--json')) expect(JSON.stringify(JSON.parse(out))).toContain('\\u001b]0;owned');
    }
  });
});
