import { Readable } from 'node:stream';
import { CsvRecordReader, csvField, csvRow, parseCsv } from './csv';
import { normalizeLines, splitLineBatches, splitLines } from './lines';

const fieldsOf = (text: string) => parseCsv(text).map((r) => r.fields ?? r.error);

describe('CSV records', () => {
  it('reads plain, empty and trailing fields', () => {
    expect(fieldsOf('a,b,c\n1,,3\nx,\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['x', ''],
    ]);
  });

  it('reads quoted fields with commas, "" escapes and quoted line breaks', () => {
    const text = 'name,notes\r\n"Wang, Wei","said ""hi"""\r\n"多行\r\n文本","a\n\nb"\r\nlast,"",\r\n';
    const records = parseCsv(text);
    expect(records.map((r) => r.fields)).toEqual([
      ['name', 'notes'],
      ['Wang, Wei', 'said "hi"'],
      ['多行\n文本', 'a\n\nb'],
      ['last', '', ''],
    ]);
    // A record spanning lines is numbered by the line it starts on.
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 7]);
  });

  it('keeps a quote inside an unquoted field, and reads an empty line as one empty field', () => {
    expect(fieldsOf('5" disk,x\n\n')).toEqual([['5" disk', 'x'], ['']]);
  });

  it('rejects text after a closing quote and carries on with the next record', () => {
    expect(fieldsOf('"a"b,c\nd,e\n')).toEqual(['text after the closing quote of column 1', ['d', 'e']]);
  });

  it('reports a quote left open at the end of the input', () => {
    const records = parseCsv('a,b\n1,"open\nmore\n');
    expect(records[1]).toEqual({ line: 2, error: 'the file ends inside a quoted field (an unclosed quote)' });
  });

  it('bounds a record: an unclosed quote does not swallow the whole file', () => {
    const reader = new CsvRecordReader({ maxRecordChars: 20 });
    expect(reader.push('1,"opens here', 1)).toBeUndefined();
    expect(reader.pending).toBe(true);
    expect(reader.push('and goes on for too long', 2)).toEqual({
      line: 1,
      error: expect.stringMatching(/longer than 20/),
    });
    expect(reader.push('2,ok', 3)).toEqual({ line: 3, fields: ['2', 'ok'] });
  });

  it('drops a byte-order mark', () => {
    expect(fieldsOf('\uFEFF申请号,名称\n')).toEqual([['申请号', '名称']]);
  });

  it('writes fields that read back the same', () => {
    const values = ['plain', 'a,b', 'say "x"', 'two\nlines', ' padded ', '', '=1+2', '中文；列表'];
    expect(csvField(undefined)).toBe('');
    expect(csvRow(['a', 'b,c'])).toBe('a,"b,c"\r\n');
    expect(parseCsv(csvRow(values))[0]!.fields).toEqual(values);
  });
});

describe('splitLines', () => {
  const collect = async (it: AsyncIterable<string>) => {
    const out: string[] = [];
    for await (const x of it) out.push(x);
    return out;
  };

  it('splits on LF, CRLF and CR, also across chunk boundaries, and drops the BOM', async () => {
    const bytes = Buffer.from('\uFEFF申请号,名称\r\n一,二\rthree\nlast');
    // Every possible split point, including inside a UTF-8 sequence and between CR and LF.
    for (let cut = 0; cut <= bytes.length; cut++) {
      const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
      expect(await collect(splitLines(Readable.from(chunks)))).toEqual([
        '申请号,名称',
        '一,二',
        'three',
        'last',
      ]);
    }
  });

  it('counts bytes and decodes other encodings', async () => {
    const gbk = Buffer.from([0xc9, 0xea, 0xc7, 0xeb, 0xba, 0xc5, 0x0a]); // 申请号\n in GBK
    let bytes = 0;
    const lines = await collect(
      splitLines(Readable.from([gbk]), { encoding: 'gb18030', onBytes: (n) => (bytes = n) }),
    );
    expect(lines).toEqual(['申请号']);
    expect(bytes).toBe(7);
  });

  it('refuses a line longer than the limit', async () => {
    await expect(
      collect(splitLines(Readable.from([Buffer.from('x'.repeat(50))]), { maxLineChars: 10 })),
    ).rejects.toThrow(/longer than 10/);
  });

  it('normalizes given lines that still hold line breaks', async () => {
    const batches: string[][] = [];
    for await (const b of normalizeLines(['\uFEFFa\r\nb\n', 'c', 'd\r'])) batches.push(b);
    expect(batches).toEqual([['a', 'b'], ['c'], ['d']]);
  });

  it('yields the lines of each chunk together, with the byte offset after each', async () => {
    const batches: { lines: string[]; ends: number[] | undefined }[] = [];
    for await (const b of splitLineBatches(Readable.from([Buffer.from('a\nb\nc'), Buffer.from('d\ne\n')])))
      batches.push({ lines: [...b], ends: b.ends });
    expect(batches).toEqual([
      { lines: ['a', 'b'], ends: [2, 4] },
      { lines: ['cd', 'e'], ends: [7, 9] },
    ]);
  });

  it.each([
    // 申请号 in GBK; a CRLF split across chunks ends its line after the CR; a last line without a break
    [
      'gb18030',
      [
        [0x61, 0x0d],
        [0x0a, 0xc9, 0xea, 0xc7, 0xeb, 0xba, 0xc5, 0x0d, 0x0a, 0x62],
      ],
      [2, 11, 12],
    ],
    // a BOM, 申 and then 请 split across chunks
    [
      'utf-8',
      [
        [0xef, 0xbb, 0xbf, 0x61, 0x0d],
        [0x0a, 0xe7, 0x94, 0xb3, 0x0a],
        [0xe8, 0xaf],
        [0xb7, 0x0d, 0x78],
      ],
      [5, 10, 14, 15],
    ],
    // UTF-16LE with a BOM: two bytes a code unit
    [
      'utf-16le',
      [
        [0xff, 0xfe, 0x61, 0x00, 0x0d, 0x00],
        [0x0a, 0x00, 0x33, 0x75, 0x0a, 0x00],
      ],
      [6, 12],
    ],
  ])('knows where each line ends in %s', async (encoding, chunks, ends) => {
    const seen: number[] = [];
    for await (const b of splitLineBatches(Readable.from(chunks.map((c) => Buffer.from(c))), { encoding }))
      seen.push(...b.ends!);
    expect(seen).toEqual(ends);
  });
});
