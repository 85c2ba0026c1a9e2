/**
 * From the cells of an import row (CSV) or the values of a JSON line to the data of an
 * `InventoryPatent` command. Only the shape is converted here (Chinese labels, list cells, booleans,
 * date spellings); every rule is left to the patent decider, which sees the value as given when it
 * cannot be converted, so its error names the field.
 */
import { HIGH_VALUE_FLAGS, invalid, type HighValueFlags, type InventoryPatent } from '@patent-ledger/domain';

/** The fields of an inventory record: those of the `InventoryPatent` command, in file order. */
export const INVENTORY_FIELDS = [
  'applicationNumber',
  'institutionId',
  'title',
  'kind',
  'filingDate',
  'grantDate',
  'inventors',
  'coPatentees',
  'ipc',
  'fiscallyFunded',
  'implementationStatus',
  'technologyReadiness',
  'selfAssessedGrade',
  'applicationScenarios',
  'highValueFlags',
  'occurredOn',
  'divisionalOf',
  'termAdjustmentDays',
  'annuitiesPaidThrough',
  'coOwners',
  'funding',
  'declaration',
] as const;
export type InventoryField = (typeof INVENTORY_FIELDS)[number];
export type HighValueFlag = keyof HighValueFlags;

/** Columns a CSV header must have: every required field of the command. */
export const REQUIRED_FIELDS: readonly InventoryField[] = [
  'applicationNumber',
  'institutionId',
  'title',
  'kind',
  'filingDate',
  'grantDate',
  'inventors',
  'ipc',
  'fiscallyFunded',
  'implementationStatus',
  'technologyReadiness',
  'selfAssessedGrade',
  'occurredOn',
];

/** The data of an InventoryPatent command as read from a row (not yet validated). */
export type InventoryData = InventoryPatent['data'];

/** Chinese labels of each field (besides its own name), as found in institutions' inventory sheets. */
const FIELD_ALIASES: Record<InventoryField, readonly string[]> = {
  applicationNumber: ['申请号', '专利申请号', '专利号', 'application_no', 'appno'],
  institutionId: ['机构编号', '单位编号', '单位', '机构', '单位id', '机构id', 'institution'],
  title: ['专利名称', '名称', '发明名称', '发明创造名称', '标题'],
  kind: ['专利类型', '类型', '专利种类'],
  filingDate: ['申请日', '申请日期'],
  grantDate: ['授权日', '授权公告日', '授权日期', '授权公告日期'],
  inventors: ['发明人', '发明人/设计人', '设计人'],
  coPatentees: ['共同专利权人', '共有专利权人', '共同权利人'],
  ipc: ['IPC分类号', 'IPC', '分类号', '主分类号', 'IPC分类'],
  fiscallyFunded: ['是否财政资助', '财政资助'],
  implementationStatus: ['实施状态', '实施情况'],
  technologyReadiness: ['技术成熟度', '技术就绪度', 'TRL'],
  selfAssessedGrade: ['自评等级', '等级', '自评分级', 'grade'],
  applicationScenarios: ['应用场景'],
  highValueFlags: ['高价值标识', '高价值专利标识', '高价值类型'],
  occurredOn: ['盘点日期', '盘点日', 'inventoryDate'],
  divisionalOf: ['分案原申请号', '原申请号', '母案申请号'],
  termAdjustmentDays: ['专利权期限补偿天数', '期限补偿天数', '补偿天数'],
  annuitiesPaidThrough: ['年费已缴至年度', '年费缴至年度', '已缴年费年度'],
  coOwners: ['共有人', '共有人编号', '共有专利权人编号'],
  // "项目编号|资助单位|计划" and "声明日期|声明内容" (科学技术进步法 Art. 32; 专利声明)
  funding: ['财政资助项目', '资助项目'],
  declaration: ['专利声明', '声明日期'],
};

/** Chinese names of the high-value flags (a flag column, or a token of a `highValueFlags` cell). */
const FLAG_ALIASES: Record<HighValueFlag, readonly string[]> = {
  strategicEmergingIndustry: ['战略性新兴产业', '战略性新兴产业专利'],
  overseasFamily: ['海外同族', '海外同族专利', '有海外同族'],
  maintainedOver10Years: ['维持年限超过10年', '维持10年以上', '维持年限10年以上'],
  pledgeFinancing: ['质押融资', '实现质押融资'],
  award: ['获奖', '中国专利奖', '获得中国专利奖', '国家科学技术奖'],
};

const VALUE_ALIASES: Partial<Record<InventoryField, Record<string, string>>> = {
  kind: {
    发明: 'invention',
    发明专利: 'invention',
    实用新型: 'utility-model',
    实用新型专利: 'utility-model',
    外观设计: 'design',
    外观设计专利: 'design',
    utilitymodel: 'utility-model',
  },
  implementationStatus: {
    未实施: 'not-implemented',
    已实施: 'implemented',
    已产业化: 'industrialized',
    notimplemented: 'not-implemented',
  },
};

/** Header label → key: case, spaces, `*` (required marks) and separators do not matter. */
export function headerKey(label: string): string {
  return label
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[\s_\-.·:：*＊/／()（）[\]【】]/g, '');
}

/** What a column of a file holds. */
export type ColumnTarget = { field: InventoryField } | { flag: HighValueFlag };

const COLUMN_INDEX: ReadonlyMap<string, ColumnTarget> = (() => {
  const index = new Map<string, ColumnTarget>();
  for (const field of INVENTORY_FIELDS) {
    for (const label of [field, ...FIELD_ALIASES[field]]) index.set(headerKey(label), { field });
  }
  for (const flag of HIGH_VALUE_FLAGS) {
    for (const label of [flag, `highValue.${flag}`, `highValueFlags.${flag}`, ...FLAG_ALIASES[flag]]) {
      index.set(headerKey(label), { flag });
    }
  }
  return index;
})();

const FLAG_INDEX: ReadonlyMap<string, HighValueFlag> = new Map(
  HIGH_VALUE_FLAGS.flatMap((flag) => [flag, ...FLAG_ALIASES[flag]].map((l) => [headerKey(l), flag] as const)),
);

/** The field or flag a header label or JSON key names, if any. */
export function columnTarget(label: string): ColumnTarget | undefined {
  return COLUMN_INDEX.get(headerKey(label));
}

/** How the columns of a CSV header map to fields; throws when the header cannot be used. */
export interface HeaderMap {
  columns: (ColumnTarget | undefined)[];
  /** Labels of the columns that name no field (ignored). */
  ignored: string[];
}

export function mapHeader(header: readonly string[]): HeaderMap {
  const seen = new Map<string, string>();
  const ignored: string[] = [];
  const columns = header.map((label) => {
    const target = columnTarget(label);
    if (!target) {
      if (label.trim() !== '') ignored.push(label.trim());
      return undefined;
    }
    const key = 'field' in target ? target.field : `highValue.${target.flag}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new Error(`the header names ${key} twice ("${earlier}" and "${label.trim()}")`);
    }
    seen.set(key, label.trim());
    return target;
  });
  const missing = REQUIRED_FIELDS.filter((f) => !seen.has(f));
  if (missing.length > 0) {
    const labels = missing.map((f) => `${f} (${FIELD_ALIASES[f][0]})`).join(', ');
    throw new Error(`the header has no column for ${labels}; is the first line the header?`);
  }
  return { columns, ignored };
}

const LIST_SEPARATORS = /[;；、]/;
const LIST_FIELDS: ReadonlySet<InventoryField> = new Set([
  'inventors',
  'coPatentees',
  'ipc',
  'applicationScenarios',
]);
const DATE_FIELDS: ReadonlySet<InventoryField> = new Set(['filingDate', 'grantDate', 'occurredOn']);

function splitList(cell: string): string[] {
  return cell
    .split(LIST_SEPARATORS)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const TRUE_WORDS = new Set(['true', '是', '1', 'yes', 'y', 't', '√']);
const FALSE_WORDS = new Set(['false', '否', '0', 'no', 'n', 'f', '×']);

/** `true`/`false`/`是`/`否`/`1`/`0` (any case); anything else is returned as given. */
export function toBoolean(cell: string): boolean | string {
  const v = cell.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  return cell;
}

/**
 * `2017-07-21`, `2017/7/21`, `2017.7.21`, `20170721` or `2017年7月21日` → `2017-07-21`. Anything
 * else is returned as given (the decider rejects it). Spreadsheets write dates in the slash form.
 */
export function toIsoDate(cell: string): string {
  const v = cell.trim();
  const m =
    /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(v) ??
    /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/.exec(v) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (!m) return v;
  return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
}

function toFlags(value: string | readonly unknown[]): Partial<HighValueFlags> {
  const tokens = typeof value === 'string' ? splitList(value) : value;
  const flags: Partial<HighValueFlags> = {};
  for (const token of tokens) {
    const flag = typeof token === 'string' ? FLAG_INDEX.get(headerKey(token)) : undefined;
    if (!flag) {
      throw invalid(
        'FIELD.NOT_ALLOWED',
        `highValueFlags: "${String(token)}" is not a high-value flag (${HIGH_VALUE_FLAGS.join(', ')})`,
        'highValueFlags',
      );
    }
    flags[flag] = true;
  }
  return flags;
}

/**
 * Converts one value to what the command expects. Strings (CSV cells, or JSON strings) are read as
 * cells; other JSON values pass as they are. A blank cell is `undefined` (as if absent).
 */
export function convertValue(field: InventoryField, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') {
    if (field === 'highValueFlags' && Array.isArray(value)) return toFlags(value);
    return value;
  }
  const cell = value.trim();
  if (cell === '') return undefined;
  if (LIST_FIELDS.has(field)) return splitList(cell);
  if (DATE_FIELDS.has(field)) return toIsoDate(cell);
  switch (field) {
    case 'applicationNumber':
      if (/^\d(\.\d+)?e\+\d+$/i.test(cell)) {
        throw invalid(
          'PATENT.INVALID_APPLICATION_NUMBER',
          `applicationNumber "${cell}" was turned into a number by a spreadsheet; format the column as text and enter the numbers again`,
          'applicationNumber',
        );
      }
      return cell.replace(/\s+/g, '');
    case 'kind':
    case 'implementationStatus': {
      const aliases = VALUE_ALIASES[field]!;
      return aliases[cell] ?? aliases[headerKey(cell)] ?? cell.toLowerCase();
    }
    case 'fiscallyFunded':
      return toBoolean(cell);
    case 'technologyReadiness': {
      const m = /^(?:trl)?\s*(\d{1,2})\s*级?$/i.exec(cell);
      return m ? Number(m[1]) : cell;
    }
    case 'selfAssessedGrade':
      return cell.replace(/[级类]$/, '').toUpperCase();
    case 'divisionalOf':
      return cell.replace(/\s+/g, '');
    case 'termAdjustmentDays':
    case 'annuitiesPaidThrough': {
      // "8", "第8年", "8年度", "300天"
      const m = /^第?\s*(\d{1,4})\s*(?:年度|年|天|日)?$/.exec(cell);
      return m ? Number(m[1]) : cell;
    }
    case 'coOwners':
      // "sx-coal=山西焦煤集团; jz-ceramics=晋中陶瓷" (id=name, separated like other lists)
      return splitList(cell).map((entry) => {
        const at = entry.search(/[=＝]/);
        return at < 0
          ? { id: entry, name: entry }
          : { id: entry.slice(0, at).trim(), name: entry.slice(at + 1).trim() };
      });
    case 'highValueFlags':
      return toFlags(cell);
    case 'funding': {
      // "2016YFB0601100|科学技术部|国家重点研发计划" (programme optional)
      const [projectNumber, funder, programme] = cell.split(/[|｜]/).map((x) => x.trim());
      return { projectNumber, funder, ...(programme ? { programme } : {}) };
    }
    case 'declaration': {
      // "2017-07-21|本专利为…资助项目成果" (statement optional)
      const [on, ...rest] = cell.split(/[|｜]/);
      const statement = rest.join('|').trim();
      return { declaredOn: toIsoDate((on ?? '').trim()), ...(statement ? { statement } : {}) };
    }
    default:
      return cell;
  }
}

/** Builds the command data of a CSV row. Throws a DomainError for a cell that cannot be read at all. */
export function dataFromCells(map: HeaderMap, cells: readonly string[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  let flags: Record<string, unknown> | undefined;
  map.columns.forEach((target, i) => {
    if (!target) return;
    const cell = cells[i] ?? '';
    if ('field' in target) {
      const v = convertValue(target.field, cell);
      if (v === undefined) return;
      if (target.field === 'highValueFlags') flags = { ...(flags ?? {}), ...(v as object) };
      else data[target.field] = v;
    } else {
      const v = cell.trim() === '' ? undefined : toBoolean(cell);
      if (v !== undefined) flags = { ...(flags ?? {}), [target.flag]: v };
    }
  });
  if (flags) data['highValueFlags'] = flags;
  return data;
}

/** Builds the command data of a JSON object; keys may be field names or their Chinese labels. */
export function dataFromJson(obj: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  let flags: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(obj)) {
    const target = columnTarget(key);
    if (!target) throw invalid('FIELD.UNKNOWN', `"${key}" is not a field of an inventory record`, key);
    if ('field' in target) {
      const v = convertValue(target.field, value);
      if (v === undefined) continue;
      if (target.field === 'highValueFlags') {
        if (typeof v !== 'object' || Array.isArray(v)) data['highValueFlags'] = v;
        else flags = { ...(flags ?? {}), ...(v as object) };
      } else {
        data[target.field] = v;
      }
    } else {
      const v = typeof value === 'string' ? toBoolean(value) : value;
      if (v !== undefined && v !== null) flags = { ...(flags ?? {}), [target.flag]: v };
    }
  }
  if (flags && data['highValueFlags'] === undefined) data['highValueFlags'] = flags;
  return data;
}

/** The cells of an inventory record for a CSV file (lists joined with `;`, flags as a `;` list). */
export function inventoryCells(data: InventoryData): string[] {
  return INVENTORY_FIELDS.map((field) => {
    const v = data[field];
    if (v === undefined) return '';
    if (field === 'highValueFlags') {
      const flags = v as Partial<HighValueFlags>;
      return HIGH_VALUE_FLAGS.filter((f) => flags[f] === true).join(';');
    }
    if (field === 'coOwners')
      return (v as { id: string; name: string }[]).map((o) => `${o.id}=${o.name}`).join(';');
    if (field === 'funding') {
      const f = v as { projectNumber: string; funder: string; programme?: string };
      return [f.projectNumber, f.funder, ...(f.programme ? [f.programme] : [])].join('|');
    }
    if (field === 'declaration') {
      const x = v as { declaredOn: string; statement?: string };
      return [x.declaredOn, ...(x.statement ? [x.statement] : [])].join('|');
    }
    return Array.isArray(v) ? v.join(';') : String(v);
  });
}
