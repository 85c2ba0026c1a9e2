import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, postBatch, saveBlob, write, type FieldError, type Principal } from '../api';
import { useT } from '../i18n';
import { Card, ErrorNote, Field, fmtPercent, Loadable, today, useAsync, useSubmission } from '../ui';
import type { ProgressReport } from './dashboard';
import { MyDeals, Needs } from './needs';
import { Pool } from './pool';

interface RowResult {
  row?: number;
  status?: 'imported' | 'already-present' | 'rejected';
  applicationNumber?: string;
  code?: string;
  message?: string;
  summary?: unknown;
}

const LIST_FIELDS = new Set(['inventors', 'ipc', 'applicationScenarios', 'coPatentees']);
const NUMBER_FIELDS = new Set(['technologyReadiness']);
const BOOLEAN_FIELDS = new Set(['fiscallyFunded']);

/** A CSV line split into fields (double quotes, doubled quotes inside). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The inventory file as NDJSON lines of POST /patents bodies (CSV: a header of the body's field names). */
export function toNdjsonLines(name: string, text: string): string[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (!/\.csv$/i.test(name)) return lines;
  const [header, ...rows] = lines;
  if (!header) return [];
  const cols = splitCsvLine(header).map((c) => c.trim());
  return rows.map((line) => {
    const cells = splitCsvLine(line);
    const rec: Record<string, unknown> = {};
    cols.forEach((c, i) => {
      const v = (cells[i] ?? '').trim();
      if (v === '') return;
      if (c.startsWith('highValueFlags.')) {
        const flags = (rec['highValueFlags'] ??= {}) as Record<string, boolean>;
        flags[c.slice('highValueFlags.'.length)] = v === 'true' || v === '1';
      } else if (LIST_FIELDS.has(c))
        rec[c] = v
          .split(/[;；]/)
          .map((x) => x.trim())
          .filter(Boolean);
      else if (NUMBER_FIELDS.has(c)) rec[c] = Number(v);
      else if (BOOLEAN_FIELDS.has(c)) rec[c] = v === 'true' || v === '1';
      else rec[c] = v;
    });
    return JSON.stringify(rec);
  });
}

const CHUNK = 100;

function Upload() {
  const t = useT();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [counts, setCounts] = useState({ imported: 0, alreadyPresent: 0, rejected: 0 });
  const [rejects, setRejects] = useState<RowResult[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const sub = useSubmission();
  const start = async () => {
    if (!file) return;
    setError(null);
    const lines = toNdjsonLines(file.name, await file.text());
    setProgress({ done: 0, total: lines.length });
    setRejects([]);
    const c = { imported: 0, alreadyPresent: 0, rejected: 0 };
    const bad: RowResult[] = [];
    await sub.run('upload', async (key) => {
      try {
        for (let i = 0; i < lines.length; i += CHUNK) {
          const results = (await postBatch(
            lines.slice(i, i + CHUNK).join('\n') + '\n',
            `${key}-${i}`,
          )) as RowResult[];
          for (const r of results) {
            if (r.status === 'imported') c.imported++;
            else if (r.status === 'already-present') c.alreadyPresent++;
            else if (r.status === 'rejected') {
              c.rejected++;
              bad.push({ ...r, row: (r.row ?? 0) + i });
            }
          }
          setCounts({ ...c });
          setRejects([...bad]);
          setProgress({ done: Math.min(lines.length, i + CHUNK), total: lines.length });
        }
        sub.reset();
      } catch (e) {
        setError(e as Error);
      }
    });
  };
  const downloadRejects = () => {
    const esc = (s: unknown) => `"${String(s ?? '').replace(/"/g, '""')}"`;
    const csv = [
      'row,applicationNumber,code,message',
      ...rejects.map((r) => [r.row, r.applicationNumber, r.code, r.message].map(esc).join(',')),
    ].join('\r\n');
    saveBlob(
      new Blob(['\uFEFF' + csv + '\r\n'], { type: 'text/csv;charset=utf-8' }),
      'inventory.rejects.csv',
    );
  };
  return (
    <Card title={t('upload')} id="upload">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <Field label={t('uploadFile')} name="file">
          {(p) => (
            <input
              {...p}
              type="file"
              accept=".csv,.jsonl,.ndjson,text/csv,application/x-ndjson"
              onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
            />
          )}
        </Field>
        <button type="submit" disabled={!file || sub.submitting}>
          {sub.submitting ? t('submitting') : t('uploadStart')}
        </button>
      </form>
      {progress && (
        <div class="upload-progress">
          <label for="upload-bar">
            {progress.done} / {progress.total}
          </label>
          <progress id="upload-bar" max={progress.total || 1} value={progress.done} />
          <p aria-live="polite" data-upload-counts={JSON.stringify(counts)}>
            {t('imported')} {counts.imported} · {t('alreadyPresent')} {counts.alreadyPresent} ·{' '}
            {t('rejected')} {counts.rejected}
          </p>
        </div>
      )}
      {error && <ErrorNote error={error} />}
      {rejects.length > 0 && (
        <>
          <table aria-label={t('rejects')} id="rejects">
            <caption>{t('rejects')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('row')}</th>
                <th scope="col">{t('applicationNumber')}</th>
                <th scope="col">{t('reason')}</th>
              </tr>
            </thead>
            <tbody>
              {rejects.map((r) => (
                <tr key={r.row} data-reject-row={r.row}>
                  <td>{r.row}</td>
                  <td>{r.applicationNumber ?? ''}</td>
                  <td>
                    {r.code}: {r.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={downloadRejects}>
            {t('downloadRejects')}
          </button>
        </>
      )}
    </Card>
  );
}

/** Loads a patent's version for If-Match; the form then sends it, so a stale page gets 412, not an overwrite. */
function usePatentVersion() {
  const [id, setId] = useState('');
  const [version, setVersion] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const load = async () => {
    setError(null);
    try {
      setVersion((await get<{ version: number }>(`/patents/${encodeURIComponent(id.trim())}`)).version);
    } catch (e) {
      setVersion(null);
      setError(e as Error);
    }
  };
  return { id, setId, version, setVersion, error, load };
}

function PatentPicker({ pv }: { pv: ReturnType<typeof usePatentVersion> }) {
  const t = useT();
  return (
    <div class="picker">
      <Field label={t('applicationNumber')} name="applicationNumber">
        {(p) => (
          <input {...p} value={pv.id} onInput={(e) => pv.setId((e.target as HTMLInputElement).value)} />
        )}
      </Field>
      <button type="button" onClick={() => void pv.load()}>
        {t('load')}
      </button>
      {pv.version !== null && (
        <span data-loaded-version={pv.version}>
          {t('version')} {pv.version}
        </span>
      )}
      {pv.error && <ErrorNote error={pv.error} />}
    </div>
  );
}

function useFormOutcome() {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [failure, setFailure] = useState<Error | null>(null);
  return { errors, message, failure, setErrors, setMessage, setFailure };
}

function Outcome({ o }: { o: ReturnType<typeof useFormOutcome> }) {
  return (
    <>
      {o.message && (
        <p role="status" class="ok" data-outcome>
          {o.message}
        </p>
      )}
      {o.failure && <ErrorNote error={o.failure} />}
    </>
  );
}

async function submitCommand(
  o: ReturnType<typeof useFormOutcome>,
  t: (k: string) => string,
  fn: () => Promise<{ replayed: boolean; body: { version?: number } }>,
): Promise<boolean> {
  o.setErrors([]);
  o.setMessage(null);
  o.setFailure(null);
  try {
    const r = await fn();
    o.setMessage(r.replayed ? t('replayed') : `${t('saved')} (${t('version')} ${r.body.version ?? ''})`);
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.errors.length > 0) o.setErrors(e.errors);
    if (e instanceof ApiError && e.status === 412) o.setFailure(new Error(t('conflict')));
    else o.setFailure(e as Error);
    return false;
  }
}

type FieldKind = 'text' | 'date' | 'select' | 'number' | 'checks';

interface FieldSpec {
  /** The body's path (dots nest: `royalty.basis`); also the field the api's errors name. */
  name: string;
  /** The label's i18n key (default: the name). */
  label?: string;
  type?: FieldKind;
  options?: { value: string; label: string }[];
  /** Sent as a JSON number (number fields and numeric selects). */
  numeric?: boolean;
  /** The initial value (checks: comma-separated). */
  initial?: string;
  /** A fresh id for each submission (kept with its Idempotency-Key). */
  autoId?: string;
  /** Goes into the URL (`{name}` in the path), not the body. */
  inPath?: boolean;
}

const opts = (t: (k: string) => string, prefix: string, values: readonly string[]) =>
  values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }));

/** The body of a form: empty fields left out, dotted names nested, numbers and lists typed. */
export function bodyOf(
  fields: FieldSpec[],
  values: Record<string, string>,
  key: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.inPath) continue;
    const raw = values[f.name] ?? '';
    let v: unknown;
    if (f.autoId && raw === '') v = `${f.autoId}-${key.slice(-16)}`;
    else if (f.type === 'checks') v = raw.split(',').filter(Boolean);
    else if (raw === '') continue;
    // A number the user typed badly goes as typed: the api names the field.
    else if (f.numeric && /^-?\d+(\.\d+)?$/.test(raw.trim())) v = Number(raw);
    else v = raw;
    const parts = f.name.split('.');
    let at = body;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts.at(-1)!] = v;
  }
  return body;
}

/**
 * A command on one patent, driven by its field definitions: the patent's version loaded for If-Match,
 * one Idempotency-Key per submission, the api's validation messages at their fields.
 */
function CommandForm({
  id,
  title,
  path,
  fields,
  fixed,
}: {
  id: string;
  title: string;
  /** After `/patents/{id}/`; `{field}` is replaced by that field's value. */
  path: string;
  fields: FieldSpec[];
  /** Body members the user does not type (from the submission's key). */
  fixed?: (key: string) => Record<string, unknown>;
}) {
  const t = useT();
  const pv = usePatentVersion();
  const o = useFormOutcome();
  const sub = useSubmission();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      fields.map((f) => [
        f.name,
        f.initial ?? (f.type === 'date' ? today() : f.type === 'select' ? (f.options?.[0]?.value ?? '') : ''),
      ]),
    ),
  );
  const set = (name: string, v: string) => setValues({ ...values, [name]: v });
  useEffect(() => sub.reset(), [pv.id]);
  const submit = () =>
    sub.run(id, async (key) => {
      const missing = fields.filter((f) => f.inPath && (values[f.name] ?? '').trim() === '');
      if (missing.length > 0) {
        o.setMessage(null);
        o.setFailure(null);
        o.setErrors(missing.map((f) => ({ field: f.name, message: t('required') })));
        return false;
      }
      const url = path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent((values[n] ?? '').trim()));
      return submitCommand(o, t, () =>
        write<{ version: number }>(
          'POST',
          `/patents/${encodeURIComponent(pv.id.trim())}/${url}`,
          { ...(fixed?.(key) ?? {}), ...bodyOf(fields, values, key) },
          { idempotencyKey: key, ...(pv.version !== null ? { ifMatch: pv.version } : {}) },
        ).then((r) => {
          if (r.body.version) pv.setVersion(r.body.version);
          return r;
        }),
      );
    });
  return (
    <Card title={title} id={id}>
      <PatentPicker pv={pv} />
      <form
        onInput={() => sub.reset()}
        onChange={() => sub.reset()}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {fields.map((f) =>
          f.type === 'checks' ? (
            <fieldset key={f.name}>
              <legend>{t(f.label ?? f.name)}</legend>
              {f.options!.map((x) => {
                const chosen = (values[f.name] ?? '').split(',').filter(Boolean);
                return (
                  <label key={x.value} class="check">
                    <input
                      type="checkbox"
                      name={f.name}
                      value={x.value}
                      checked={chosen.includes(x.value)}
                      onChange={(e) =>
                        set(
                          f.name,
                          ((e.target as HTMLInputElement).checked
                            ? [...chosen, x.value]
                            : chosen.filter((c) => c !== x.value)
                          ).join(','),
                        )
                      }
                    />
                    {x.label}
                  </label>
                );
              })}
              {o.errors
                .filter((e) => e.field === f.name || e.field.startsWith(`${f.name}.`))
                .map((e) => (
                  <span class="field-error" key={e.message} data-field-error={f.name}>
                    {e.message}
                  </span>
                ))}
            </fieldset>
          ) : (
            <Field key={f.name} label={t(f.label ?? f.name)} name={f.name} errors={o.errors}>
              {(p) =>
                f.type === 'select' ? (
                  <select
                    {...p}
                    value={values[f.name]}
                    onChange={(e) => set(f.name, (e.target as HTMLSelectElement).value)}
                  >
                    {f.options!.map((x) => (
                      <option key={x.value} value={x.value}>
                        {x.label}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...p}
                    value={values[f.name]}
                    inputMode={f.numeric ? 'decimal' : undefined}
                    placeholder={f.autoId ? t('auto') : undefined}
                    onInput={(e) => set(f.name, (e.target as HTMLInputElement).value)}
                  />
                )
              }
            </Field>
          ),
        )}
        <button type="submit" disabled={sub.submitting}>
          {sub.submitting ? t('submitting') : t('submit')}
        </button>
        <Outcome o={o} />
      </form>
    </Card>
  );
}

export function InstitutionWorkspace({ principal }: { principal: Principal }) {
  const t = useT();
  const [progress] = useAsync(() => get<ProgressReport>(`/progress?asOf=${today()}`), []);
  return (
    <div>
      <Card title={t('inventory')} id="own-progress">
        <Loadable value={progress}>
          {(p) => {
            const mine = p.institutions.find((i) => i.institutionId === principal.orgId);
            if (!mine) return <p>{t('notFound')}</p>;
            return (
              <div>
                <p data-own-progress={mine.institutionId}>
                  {mine.name}: {t('inventoried')} {mine.inventoried} / {mine.stockPatentCount} (
                  {fmtPercent(mine.coveragePercent)})
                </p>
                <label for="own-coverage">{t('coverage')}</label>
                <progress id="own-coverage" max={100} value={mine.coveragePercent ?? 0} />
              </div>
            );
          }}
        </Loadable>
      </Card>
      <Upload />
      <CommandForm
        id="intent"
        title={t('intentForm')}
        path="intent"
        fields={[
          {
            name: 'modes',
            type: 'checks',
            initial: 'transfer',
            options: opts(t, 'mode', ['transfer', 'license', 'self-implementation']),
          },
          {
            name: 'screening.method',
            label: 'screeningMethod',
            type: 'select',
            options: opts(t, 'screening', ['institution-central', 'inventor-self']),
          },
          {
            name: 'screening.decision',
            label: 'screeningDecision',
            type: 'select',
            options: opts(t, 'decision', ['admitted', 'declined']),
          },
          { name: 'askingPrice' },
          { name: 'occurredOn', type: 'date' },
        ]}
      />
      <CommandForm
        id="transfer"
        title={t('transferForm')}
        path="transfers"
        fields={[
          { name: 'dealId', autoId: 'tr' },
          { name: 'assigneeId' },
          { name: 'assigneeName' },
          { name: 'contractDate', type: 'date' },
          { name: 'price' },
          {
            name: 'pricingMethod',
            type: 'select',
            options: opts(t, 'pricing', ['agreed', 'listing', 'auction']),
          },
        ]}
      />
      <CommandForm
        id="transfer-registration"
        title={t('registrationForm')}
        path="transfers/{dealId}/registration"
        fields={[
          { name: 'dealId', inPath: true },
          { name: 'registeredOn', type: 'date' },
          { name: 'noticeNumber' },
        ]}
      />
      <CommandForm
        id="license"
        title={t('licenseForm')}
        path="licenses"
        fields={[
          { name: 'dealId', autoId: 'li' },
          { name: 'licenseeId' },
          { name: 'licenseeName' },
          {
            name: 'type',
            label: 'licenseType',
            type: 'select',
            options: opts(t, 'licenseType', ['ordinary', 'sole', 'exclusive']),
          },
          { name: 'contractDate', type: 'date' },
          { name: 'effectiveDate', type: 'date' },
          { name: 'endDate', type: 'date' },
          { name: 'royalty' },
        ]}
      />
      <CommandForm
        id="license-recordal"
        title={t('recordalForm')}
        path="licenses/{dealId}/recordal"
        fields={[
          { name: 'dealId', inPath: true },
          { name: 'recordalNumber' },
          { name: 'recordedOn', type: 'date' },
        ]}
      />
      <CommandForm
        id="open-license"
        title={t('openLicenseForm')}
        path="open-license"
        fields={[
          { name: 'declarationId', autoId: 'ol' },
          {
            name: 'royalty.basis',
            label: 'royaltyBasis',
            type: 'select',
            options: opts(t, 'basis', ['lump-sum', 'percentage-of-sales']),
          },
          { name: 'royalty.amount', label: 'royaltyAmount' },
          { name: 'royalty.rate', label: 'royaltyRate', numeric: true },
          { name: 'termFrom', type: 'date' },
          { name: 'termTo', type: 'date' },
          { name: 'evaluationReportRef' },
          {
            name: 'licenceFrom',
            type: 'select',
            options: [
              { value: '', label: t('byDefault') },
              ...opts(t, 'licenceFrom', ['payment', 'notification']),
            ],
          },
          { name: 'occurredOn', type: 'date' },
        ]}
      />
      <CommandForm
        id="report"
        title={t('reportForm')}
        path="transaction-reports"
        fields={[
          { name: 'dealId' },
          { name: 'industrializationId' },
          { name: 'reportedOn', type: 'date' },
          { name: 'platformRef' },
        ]}
      />
      <CommandForm
        id="lapse"
        title={t('lapseForm')}
        path="lapse"
        fields={[
          {
            name: 'reason',
            label: 'lapseReason',
            type: 'select',
            options: opts(t, 'lapse', ['non-payment', 'expired', 'invalidated', 'abandoned']),
          },
          { name: 'effectiveOn', type: 'date' },
        ]}
      />
      <Card title={t('pool')} id="own-pool">
        <Pool fixedInstitution={principal.orgId} />
      </Card>
    </div>
  );
}

export function EnterpriseWorkspace({ principal }: { principal: Principal }) {
  const t = useT();
  return (
    <div>
      <CommandForm
        id="evaluate"
        title={t('evaluateForm')}
        path="evaluations"
        // One evaluation id per submission: a retry of the same submission is the same evaluation.
        fixed={(key) => ({ evaluationId: `ev-${key.slice(-20)}`, enterpriseId: principal.orgId })}
        fields={[
          { name: 'enterpriseName' },
          {
            name: 'enterpriseCategory',
            type: 'select',
            initial: 'specialized-sme',
            options: opts(t, 'cat', ['ip-advantage', 'specialized-sme', 'high-tech', 'state-owned', 'other']),
          },
          {
            name: 'industrializationProspect',
            label: 'prospect',
            type: 'select',
            numeric: true,
            initial: '4',
            options: ['1', '2', '3', '4', '5'].map((v) => ({ value: v, label: v })),
          },
          {
            name: 'improvementNeeds.level',
            label: 'improvement',
            type: 'select',
            initial: 'minor',
            options: opts(t, 'need', ['none', 'minor', 'major', 'pilot-needed']),
          },
          {
            name: 'cooperationWillingness',
            label: 'willingness',
            type: 'select',
            initial: 'interested',
            options: opts(t, 'will', ['none', 'watch', 'interested', 'license', 'purchase', 'joint-rd']),
          },
          { name: 'occurredOn', type: 'date' },
        ]}
      />
      <Needs />
      <MyDeals />
      <Card title={t('pool')} id="enterprise-pool">
        <Pool />
      </Card>
    </div>
  );
}
