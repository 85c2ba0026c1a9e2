/**
 * The column layout of the national platform's batch templates (全国专利转化运营综合服务平台, 存量专利
 * 盘点): the inventory sheet and the enterprise evaluation feedback sheet, with Chinese headers.
 * `docs/national-platform-format.md` describes each column and how it maps to the ledger's fields.
 *
 * Export reads the ordered log (the inventory as recorded, upcast to the current schema); import
 * reads an inventory sheet through the ordinary CSV pipeline (`format: 'national'`), after a check
 * of the header and of each cell against the layout, so a malformed row is rejected naming its line
 * and column and the decider sees only well-formed values.
 */
import { writeFileSync } from 'node:fs';
import {
  HIGH_VALUE_FLAGS,
  upcastPatentEvent,
  type EnterpriseEvaluated,
  type HighValueFlags,
  type PatentInventoried,
} from '@patent-ledger/domain';
import type { EventStore, StoredEvent } from '@patent-ledger/eventsourcing';
import { CSV_BOM, csvRow } from './csv';

export type NationalKind = 'inventory' | 'evaluations';
export const NATIONAL_KINDS: readonly NationalKind[] = ['inventory', 'evaluations'];

const KIND_LABELS: Record<string, string> = {
  invention: '发明',
  'utility-model': '实用新型',
  design: '外观设计',
};
const STATUS_LABELS: Record<string, string> = {
  'not-implemented': '未实施',
  implemented: '已实施',
  industrialized: '已产业化',
};
const FLAG_LABELS: Record<keyof HighValueFlags, string> = {
  strategicEmergingIndustry: '战略性新兴产业',
  overseasFamily: '海外同族',
  maintainedOver10Years: '维持年限超过10年',
  pledgeFinancing: '质押融资',
  award: '获奖',
};
const ENTERPRISE_CATEGORY_LABELS: Record<string, string> = {
  'ip-advantage': '知识产权优势企业',
  'specialized-sme': '专精特新中小企业',
  'high-tech': '高新技术企业',
  'state-owned': '国有企业',
  other: '其他',
};
const IMPROVEMENT_LABELS: Record<string, string> = {
  none: '无需改进',
  minor: '少量改进',
  major: '较大改进',
  'pilot-needed': '需中试',
};
const COOPERATION_LABELS: Record<string, string> = {
  none: '无合作意愿',
  watch: '持续关注',
  interested: '有意向',
  license: '许可实施',
  purchase: '购买',
  'joint-rd': '联合研发',
};

type Check = (cell: string) => string | undefined;
const LIST = '；';

const date: Check = (c) =>
  /^\d{4}-\d{2}-\d{2}$/.test(c) &&
  !Number.isNaN(Date.parse(`${c}T00:00:00Z`)) &&
  new Date(`${c}T00:00:00Z`).toISOString().slice(0, 10) === c
    ? undefined
    : 'is not a date (YYYY-MM-DD)';
const oneOf =
  (labels: readonly string[]): Check =>
  (c) =>
    labels.includes(c) ? undefined : `is not one of ${labels.join(', ')}`;
const integer =
  (min: number, max: number): Check =>
  (c) =>
    /^\d+$/.test(c) && Number(c) >= min && Number(c) <= max
      ? undefined
      : `is not a whole number from ${min} to ${max}`;
const flags: Check = (c) => {
  const bad = c
    .split(/[;；、]/)
    .map((t) => t.trim())
    .filter((t) => t !== '' && !Object.values(FLAG_LABELS).includes(t));
  return bad.length > 0
    ? `"${bad[0]}" is not a high-value flag (${Object.values(FLAG_LABELS).join('、')})`
    : undefined;
};

/** One column of the inventory sheet: its header, whether a row must fill it, its cell check. */
export interface NationalColumn {
  header: string;
  required: boolean;
  check?: Check;
}

/** The inventory sheet (存量专利盘点表), in column order. */
export const NATIONAL_INVENTORY_COLUMNS: readonly NationalColumn[] = [
  { header: '序号', required: false },
  { header: '专利号', required: true },
  { header: '专利名称', required: true },
  { header: '专利类型', required: true, check: oneOf(Object.values(KIND_LABELS)) },
  { header: '申请日', required: true, check: date },
  { header: '授权日', required: true, check: date },
  { header: '专利权人', required: false },
  { header: '单位编号', required: true },
  { header: '共同专利权人', required: false },
  { header: '发明人', required: true },
  { header: 'IPC分类号', required: true },
  { header: '是否财政资助', required: true, check: oneOf(['是', '否']) },
  { header: '实施状态', required: true, check: oneOf(Object.values(STATUS_LABELS)) },
  { header: '技术成熟度', required: true, check: integer(1, 9) },
  { header: '自评等级', required: true, check: oneOf(['A', 'B', 'C']) },
  { header: '应用场景', required: false },
  { header: '高价值标识', required: false, check: flags },
  { header: '盘点日期', required: true, check: date },
  { header: '分案原申请号', required: false },
  { header: '专利权期限补偿天数', required: false, check: integer(0, 100_000) },
  { header: '年费已缴至年度', required: false, check: integer(1, 20) },
  { header: '共有人', required: false },
  { header: '财政资助项目编号', required: false },
  { header: '资助机构', required: false },
  { header: '资助计划', required: false },
  { header: '专利声明日期', required: false, check: date },
  { header: '专利声明内容', required: false },
  { header: '合作项目编号', required: false },
];

/**
 * The fields of a row that the generic CSV mapping does not read (the funded project, the patent
 * declaration, the cooperation project), from the national columns that hold them.
 */
export function nationalExtras(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const names = header.map((h) => h.replace(/^\uFEFF/, '').trim());
  const cell = (h: string): string | undefined => {
    const v = (cells[names.indexOf(h)] ?? '').trim();
    return v === '' ? undefined : v;
  };
  const out: Record<string, unknown> = {};
  const projectNumber = cell('财政资助项目编号');
  const funder = cell('资助机构');
  const programme = cell('资助计划');
  if (projectNumber !== undefined || funder !== undefined || programme !== undefined)
    out['funding'] = {
      ...(projectNumber !== undefined ? { projectNumber } : {}),
      ...(funder !== undefined ? { funder } : {}),
      ...(programme !== undefined ? { programme } : {}),
    };
  const declaredOn = cell('专利声明日期');
  const statement = cell('专利声明内容');
  if (declaredOn !== undefined || statement !== undefined)
    out['declaration'] = {
      ...(declaredOn !== undefined ? { declaredOn } : {}),
      ...(statement !== undefined ? { statement } : {}),
    };
  const projectId = cell('合作项目编号');
  if (projectId !== undefined) out['projectId'] = projectId;
  return out;
}

/** The evaluation feedback sheet (企业评价反馈表), in column order; export only. */
export const NATIONAL_EVALUATION_HEADERS: readonly string[] = [
  '序号',
  '专利号',
  '专利名称',
  '单位编号',
  '评价编号',
  '企业编号',
  '企业名称',
  '企业类型',
  '产业化前景',
  '技术改进需求',
  '技术改进说明',
  '合作意愿',
  '替代评价编号',
  '评价日期',
];

/** Spreadsheet column letter of a 0-based index (0 → A, 26 → AA). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Throws (the import's reason) unless the header has every column of the inventory sheet (and no column twice). */
export function checkNationalHeader(header: readonly string[]): void {
  const names = header.map((h) => h.replace(/^\uFEFF/, '').trim());
  if (names.includes('评价编号')) {
    throw new Error(
      'this is an evaluation feedback sheet (企业评价反馈表): only the inventory sheet (存量专利盘点表) can be imported',
    );
  }
  const missing = NATIONAL_INVENTORY_COLUMNS.filter((c) => !names.includes(c.header)).map((c) => c.header);
  if (missing.length > 0) {
    throw new Error(`the header is not the national inventory layout: no column ${missing.join(', ')}`);
  }
  const twice = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`the header names column ${twice} twice`);
}

/**
 * The first cell of a row that breaks the layout, as a reject reason naming the line and the column
 * (header and spreadsheet letter); undefined when every cell is well-formed.
 */
export function checkNationalCells(
  header: readonly string[],
  cells: readonly string[],
  line: number,
): { code: string; message: string } | undefined {
  const names = header.map((h) => h.replace(/^\uFEFF/, '').trim());
  for (const column of NATIONAL_INVENTORY_COLUMNS) {
    const index = names.indexOf(column.header);
    const cell = (cells[index] ?? '').trim();
    const where = `line ${line}, column ${column.header} (${columnLetter(index)})`;
    if (cell === '') {
      if (column.required) return { code: 'NATIONAL.CELL_REQUIRED', message: `${where}: the cell is empty` };
      continue;
    }
    const problem = column.check?.(cell);
    if (problem) return { code: 'NATIONAL.CELL_INVALID', message: `${where}: "${cell}" ${problem}` };
  }
  return undefined;
}

const list = (v: readonly string[] | undefined): string => (v ?? []).join(LIST);

/** The cells of one inventory row of the national layout. */
export function nationalInventoryCells(
  ordinal: number,
  d: PatentInventoried['data'],
  institutionName: string | undefined,
): string[] {
  const coOwnerNames = new Set((d.coOwners ?? []).map((o) => o.name));
  return [
    String(ordinal),
    d.applicationNumber,
    d.title,
    KIND_LABELS[d.kind] ?? d.kind,
    d.filingDate,
    d.grantDate,
    institutionName ?? d.institutionId,
    d.institutionId,
    // The names of co-owners with ids are written once, in 共有人 (the decider adds them to coPatentees).
    list(d.coPatentees.filter((n) => !coOwnerNames.has(n))),
    list(d.inventors),
    list(d.ipc),
    d.fiscallyFunded ? '是' : '否',
    STATUS_LABELS[d.implementationStatus] ?? d.implementationStatus,
    String(d.technologyReadiness),
    d.selfAssessedGrade,
    list(d.applicationScenarios),
    HIGH_VALUE_FLAGS.filter((f) => d.highValueFlags?.[f] === true)
      .map((f) => FLAG_LABELS[f])
      .join(LIST),
    d.occurredOn,
    d.divisionalOf ?? '',
    d.termAdjustmentDays === undefined ? '' : String(d.termAdjustmentDays),
    d.annuitiesPaidThrough === undefined ? '' : String(d.annuitiesPaidThrough),
    (d.coOwners ?? []).map((o) => `${o.id}=${o.name}`).join(LIST),
    ...extraCells(d as unknown as Record<string, unknown>),
  ];
}

function extraCells(d: Record<string, unknown>): string[] {
  const funding = (d['funding'] ?? {}) as { projectNumber?: string; funder?: string; programme?: string };
  const declaration = (d['declaration'] ?? {}) as { declaredOn?: string; statement?: string };
  return [
    funding.projectNumber ?? '',
    funding.funder ?? '',
    funding.programme ?? '',
    declaration.declaredOn ?? '',
    declaration.statement ?? '',
    typeof d['projectId'] === 'string' ? d['projectId'] : '',
  ];
}

/** The cells of one evaluation row of the national layout. */
export function nationalEvaluationCells(
  ordinal: number,
  d: EnterpriseEvaluated['data'],
  title: string,
  institutionId: string,
): string[] {
  return [
    String(ordinal),
    d.applicationNumber,
    title,
    institutionId,
    d.evaluationId,
    d.enterpriseId,
    d.enterpriseName,
    ENTERPRISE_CATEGORY_LABELS[d.enterpriseCategory] ?? d.enterpriseCategory,
    String(d.industrializationProspect),
    IMPROVEMENT_LABELS[d.improvementNeeds.level] ?? d.improvementNeeds.level,
    d.improvementNeeds.notes ?? '',
    COOPERATION_LABELS[d.cooperationWillingness] ?? d.cooperationWillingness,
    d.supersedes ?? '',
    d.occurredOn,
  ];
}

async function* allEvents(store: EventStore): AsyncGenerator<StoredEvent> {
  let after = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: 5000 });
    if (batch.length === 0) return;
    for (const e of batch) yield e;
    after = batch[batch.length - 1]!.position;
  }
}

export interface NationalExportSummary {
  kind: NationalKind;
  rows: number;
  path: string;
}

/**
 * Writes the inventory (every PatentInventoried, in log order) or the evaluations (every
 * EnterpriseEvaluated) of the ledger, or of one institution, as a CSV UTF-8 file with a BOM in the
 * national layout.
 */
export async function exportNational(
  store: EventStore,
  options: { kind: NationalKind; path: string; institutionId?: string },
): Promise<NationalExportSummary> {
  const institutionNames = new Map<string, string>();
  const patents = new Map<string, { title: string; institutionId: string }>();
  const lines: string[] = [
    csvRow(
      options.kind === 'inventory'
        ? NATIONAL_INVENTORY_COLUMNS.map((c) => c.header)
        : NATIONAL_EVALUATION_HEADERS,
    ),
  ];
  const inventoried: PatentInventoried['data'][] = [];
  for await (const stored of allEvents(store)) {
    if (stored.type === 'InstitutionRegistered') {
      const d = stored.data as { institutionId?: string; name?: string };
      if (d.institutionId && d.name) institutionNames.set(d.institutionId, d.name);
      continue;
    }
    if (stored.type !== 'PatentInventoried' && stored.type !== 'EnterpriseEvaluated') continue;
    const { event } = upcastPatentEvent(stored);
    if (event.type === 'PatentInventoried') {
      patents.set(event.data.applicationNumber, {
        title: event.data.title,
        institutionId: event.data.institutionId,
      });
      if (options.kind === 'inventory') {
        if (options.institutionId === undefined || event.data.institutionId === options.institutionId)
          inventoried.push(event.data);
      }
    } else if (event.type === 'EnterpriseEvaluated' && options.kind === 'evaluations') {
      const patent = patents.get(event.data.applicationNumber);
      if (!patent) continue;
      if (options.institutionId !== undefined && patent.institutionId !== options.institutionId) continue;
      lines.push(
        csvRow(nationalEvaluationCells(lines.length, event.data, patent.title, patent.institutionId)),
      );
    }
  }
  // Institution names are known once the whole log is read (a registration may follow nothing here).
  for (const d of inventoried)
    lines.push(csvRow(nationalInventoryCells(lines.length, d, institutionNames.get(d.institutionId))));
  writeFileSync(options.path, CSV_BOM + lines.join(''));
  return { kind: options.kind, rows: lines.length - 1, path: options.path };
}
