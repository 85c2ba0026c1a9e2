import { CSV_BOM, csvField, csvHeader, csvLines, csvRow, type CsvColumn } from './csv';

describe('csvField', () => {
  it('leaves plain values alone and writes null/undefined as empty', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(42)).toBe('42');
    expect(csvField(0)).toBe('0');
    expect(csvField(true)).toBe('true');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField('2024-09-30')).toBe('2024-09-30');
    expect(csvField('201710601862.3')).toBe('201710601862.3');
  });

  it('quotes a field holding a comma, a quote, or a line break, doubling quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('"')).toBe('""""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('line1\r\nline2')).toBe('"line1\r\nline2"');
    expect(csvField('a;b|c')).toBe('a;b|c');
  });

  it('writes objects and arrays as quoted JSON', () => {
    expect(csvField({ a: 1, b: 'x' })).toBe('"{""a"":1,""b"":""x""}"');
    expect(csvField(['H01M 50/403', 'C01B 32/00'])).toBe('"[""H01M 50/403"",""C01B 32/00""]"');
    expect(csvField({ level: 'minor' })).toBe('"{""level"":""minor""}"');
  });

  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+86 351 1234', "'+86 351 1234"],
    ['+1', "'+1"],
    ['-cmd', "'-cmd"],
    ['-', "'-"],
    ['-1e5', "'-1e5"],
    ['-.5', "'-.5"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\tx', "'\tx"],
    // Full-width forms, which an East Asian input method types and spreadsheets take for the ASCII ones.
    ['＝SUM(A1:A9)', "'＝SUM(A1:A9)"],
    ['＋86 351 1234', "'＋86 351 1234"],
    ['－cmd', "'－cmd"],
    ['＠SUM(1)', "'＠SUM(1)"],
    // After leading spaces: ASCII, no-break, ideographic.
    ['  =1+1', "'  =1+1"],
    ['\u00A0@x', "'\u00A0@x"],
    ['\u3000＝1+1', "'\u3000＝1+1"],
    [' \t-x', "' \t-x"],
  ])('guards the formula-like %j as %j', (input, expected) => {
    expect(csvField(input)).toBe(expected);
  });

  it('guards first, then quotes, a formula that needs quoting', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
    expect(csvField('\rx')).toBe(`"'\rx"`);
  });

  it('leaves plain negative numbers untouched (as strings and as numbers)', () => {
    expect(csvField('-1')).toBe('-1');
    expect(csvField('-12.50')).toBe('-12.50');
    expect(csvField('-0.5')).toBe('-0.5');
    expect(csvField(-5)).toBe('-5');
    expect(csvField(-1250.75)).toBe('-1250.75');
    // Not a plain number: guarded (and then quoted for the comma).
    expect(csvField('-1,5')).toBe(`"'-1,5"`);
  });

  it('leaves text that only contains those signs, or begins with spaces alone, untouched', () => {
    expect(csvField(' x')).toBe(' x');
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('价格＝面议')).toBe('价格＝面议');
    expect(csvField('\u3000山西')).toBe('\u3000山西');
  });

  it('keeps Chinese text intact', () => {
    expect(csvField('太原理工大学')).toBe('太原理工大学');
    expect(csvField('储能材料，陶瓷涂覆隔膜')).toBe('储能材料，陶瓷涂覆隔膜');
    expect(csvField('山西大学,中北大学')).toBe('"山西大学,中北大学"');
    expect(csvField('“专利”')).toBe('“专利”');
  });
});

describe('rows, header, BOM', () => {
  it('the BOM is U+FEFF, three bytes in UTF-8', () => {
    expect(CSV_BOM).toBe('\uFEFF');
    expect(CSV_BOM).toHaveLength(1);
    expect([...Buffer.from(CSV_BOM, 'utf8')]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('rows end in CRLF, fields are joined by commas', () => {
    expect(csvRow(['a', 1, null, 'x,y', '=1'])).toBe(`a,1,,"x,y",'=1\r\n`);
    expect(csvRow([])).toBe('\r\n');
  });

  it('header and lines follow the columns', () => {
    interface Item {
      an: string;
      title: string;
      price: number;
    }
    const columns: CsvColumn<Item>[] = [
      { header: 'applicationNumber', value: (i) => i.an },
      { header: '名称', value: (i) => i.title },
      { header: 'price', value: (i) => i.price },
    ];
    expect(csvHeader(columns)).toBe('applicationNumber,名称,price\r\n');
    expect(
      csvLines(columns, [
        { an: '201710601862.3', title: '锂电池, "隔膜"', price: -3 },
        { an: '201820000017.5', title: '-Graphene', price: 12 },
      ]),
    ).toBe(`201710601862.3,"锂电池, ""隔膜""",-3\r\n201820000017.5,'-Graphene,12\r\n`);
    expect(csvLines(columns, [])).toBe('');
    const whole = CSV_BOM + csvHeader(columns);
    expect(Buffer.from(whole, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
});
