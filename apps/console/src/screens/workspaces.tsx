import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, postBatch, saveBlob, write, type FieldError, type Principal } from '../api';
import { useT } from '../i18n';
import { Card, ErrorNote, Field, fmtPercent, Loadable, today, useAsync, useSubmission } from '../ui';
import type { ProgressReport } from './dashboard';
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

function IntentForm() {
  const t = useT();
  const pv = usePatentVersion();
  const o = useFormOutcome();
  const sub = useSubmission();
  const [modes, setModes] = useState<string[]>(['transfer']);
  const [method, setMethod] = useState('institution-central');
  const [decision, setDecision] = useState('admitted');
  const [askingPrice, setAskingPrice] = useState('');
  const [occurredOn, setOccurredOn] = useState(today());
  const changed = () => sub.reset();
  useEffect(() => sub.reset(), [pv.id]);
  return (
    <Card title={t('intentForm')} id="intent">
      <PatentPicker pv={pv} />
      <form
        onInput={changed}
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run('intent', (key) =>
            submitCommand(o, t, () =>
              write<{ version: number }>(
                'POST',
                `/patents/${encodeURIComponent(pv.id.trim())}/intent`,
                {
                  modes,
                  screening: { method, decision },
                  ...(askingPrice ? { askingPrice } : {}),
                  occurredOn,
                },
                { idempotencyKey: key, ...(pv.version !== null ? { ifMatch: pv.version } : {}) },
              ).then((r) => {
                if (r.body.version) pv.setVersion(r.body.version);
                return r;
              }),
            ),
          );
        }}
      >
        <fieldset>
          <legend>{t('modes')}</legend>
          {['transfer', 'license', 'self-implementation'].map((m) => (
            <label key={m} class="check">
              <input
                type="checkbox"
                name="modes"
                value={m}
                checked={modes.includes(m)}
                onChange={(e) =>
                  setModes(
                    (e.target as HTMLInputElement).checked ? [...modes, m] : modes.filter((x) => x !== m),
                  )
                }
              />
              {t(`mode.${m}`)}
            </label>
          ))}
          {o.errors
            .filter((e) => e.field.startsWith('modes'))
            .map((e) => (
              <span class="field-error" key={e.message} data-field-error="modes">
                {e.message}
              </span>
            ))}
        </fieldset>
        <Field label={t('screeningMethod')} name="screening.method" errors={o.errors}>
          {(p) => (
            <select {...p} value={method} onChange={(e) => setMethod((e.target as HTMLSelectElement).value)}>
              {['institution-central', 'inventor-self'].map((k) => (
                <option key={k} value={k}>
                  {t(`screening.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('screeningDecision')} name="screening.decision" errors={o.errors}>
          {(p) => (
            <select
              {...p}
              value={decision}
              onChange={(e) => setDecision((e.target as HTMLSelectElement).value)}
            >
              {['admitted', 'declined'].map((k) => (
                <option key={k} value={k}>
                  {t(`decision.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('askingPrice')} name="askingPrice" errors={o.errors}>
          {(p) => (
            <input
              {...p}
              value={askingPrice}
              inputMode="decimal"
              onInput={(e) => setAskingPrice((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field label={t('occurredOn')} name="occurredOn" errors={o.errors}>
          {(p) => (
            <input
              {...p}
              value={occurredOn}
              onInput={(e) => setOccurredOn((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <button type="submit" disabled={sub.submitting}>
          {sub.submitting ? t('submitting') : t('submit')}
        </button>
        <Outcome o={o} />
      </form>
    </Card>
  );
}

interface FieldSpec {
  name: string;
  type?: 'text' | 'date' | 'select';
  options?: { value: string; label: string }[];
  /** A fresh id for each submission (kept with its Idempotency-Key). */
  autoId?: string;
}

/** A command on one patent: its fields, sent with an Idempotency-Key and the loaded version as If-Match. */
function CommandForm({
  id,
  title,
  path,
  fields,
}: {
  id: string;
  title: string;
  path: string;
  fields: FieldSpec[];
}) {
  const t = useT();
  const pv = usePatentVersion();
  const o = useFormOutcome();
  const sub = useSubmission();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      fields.map((f) => [f.name, f.type === 'date' ? today() : (f.options?.[0]?.value ?? '')]),
    ),
  );
  useEffect(() => sub.reset(), [pv.id]);
  return (
    <Card title={title} id={id}>
      <PatentPicker pv={pv} />
      <form
        onInput={() => sub.reset()}
        onSubmit={(e) => {
          e.preventDefault();
          void sub.run(id, (key) => {
            const body: Record<string, string> = {};
            for (const f of fields) {
              const v = values[f.name] ?? '';
              if (f.autoId && v === '') body[f.name] = `${f.autoId}-${key.slice(-16)}`;
              else if (v !== '') body[f.name] = v;
            }
            return submitCommand(o, t, () =>
              write<{ version: number }>(
                'POST',
                `/patents/${encodeURIComponent(pv.id.trim())}/${path}`,
                body,
                {
                  idempotencyKey: key,
                  ...(pv.version !== null ? { ifMatch: pv.version } : {}),
                },
              ).then((r) => {
                if (r.body.version) pv.setVersion(r.body.version);
                return r;
              }),
            );
          });
        }}
      >
        {fields.map((f) => (
          <Field key={f.name} label={t(f.name)} name={f.name} errors={o.errors}>
            {(p) =>
              f.type === 'select' ? (
                <select
                  {...p}
                  value={values[f.name]}
                  onChange={(e) => setValues({ ...values, [f.name]: (e.target as HTMLSelectElement).value })}
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
                  placeholder={f.autoId ? '（自动）' : undefined}
                  onInput={(e) => setValues({ ...values, [f.name]: (e.target as HTMLInputElement).value })}
                />
              )
            }
          </Field>
        ))}
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
      <IntentForm />
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
            options: ['agreed', 'listing', 'auction'].map((v) => ({ value: v, label: t(`pricing.${v}`) })),
          },
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
      <Card title={t('pool')} id="own-pool">
        <Pool fixedInstitution={principal.orgId} />
      </Card>
    </div>
  );
}

export function EnterpriseWorkspace({ principal }: { principal: Principal }) {
  const t = useT();
  const pv = usePatentVersion();
  const o = useFormOutcome();
  const sub = useSubmission();
  const [name, setName] = useState('');
  const [category, setCategory] = useState('specialized-sme');
  const [prospect, setProspect] = useState('4');
  const [need, setNeed] = useState('minor');
  const [willingness, setWillingness] = useState('interested');
  const [occurredOn, setOccurredOn] = useState(today());
  useEffect(() => sub.reset(), [pv.id]);
  return (
    <div>
      <Card title={t('evaluateForm')} id="evaluate">
        <PatentPicker pv={pv} />
        <form
          onInput={() => sub.reset()}
          onSubmit={(e) => {
            e.preventDefault();
            void sub.run('evaluation', (key) =>
              submitCommand(o, t, () =>
                write<{ version: number }>(
                  'POST',
                  `/patents/${encodeURIComponent(pv.id.trim())}/evaluations`,
                  {
                    // One evaluation id per submission: a retry of the same submission is the same evaluation.
                    evaluationId: `ev-${key.slice(-20)}`,
                    enterpriseId: principal.orgId,
                    enterpriseName: name,
                    enterpriseCategory: category,
                    industrializationProspect: Number(prospect),
                    improvementNeeds: { level: need },
                    cooperationWillingness: willingness,
                    occurredOn,
                  },
                  { idempotencyKey: key, ...(pv.version !== null ? { ifMatch: pv.version } : {}) },
                ).then((r) => {
                  if (r.body.version) pv.setVersion(r.body.version);
                  return r;
                }),
              ),
            );
          }}
        >
          <Field label={t('enterpriseName')} name="enterpriseName" errors={o.errors}>
            {(p) => (
              <input {...p} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
            )}
          </Field>
          <Field label={t('enterpriseCategory')} name="enterpriseCategory" errors={o.errors}>
            {(p) => (
              <select
                {...p}
                value={category}
                onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}
              >
                {['ip-advantage', 'specialized-sme', 'high-tech', 'state-owned', 'other'].map((k) => (
                  <option key={k} value={k}>
                    {t(`cat.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('prospect')} name="industrializationProspect" errors={o.errors}>
            {(p) => (
              <select
                {...p}
                value={prospect}
                onChange={(e) => setProspect((e.target as HTMLSelectElement).value)}
              >
                {[1, 2, 3, 4, 5].map((k) => (
                  <option key={k} value={String(k)}>
                    {k}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('improvement')} name="improvementNeeds" errors={o.errors}>
            {(p) => (
              <select {...p} value={need} onChange={(e) => setNeed((e.target as HTMLSelectElement).value)}>
                {['none', 'minor', 'major', 'pilot-needed'].map((k) => (
                  <option key={k} value={k}>
                    {t(`need.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('willingness')} name="cooperationWillingness" errors={o.errors}>
            {(p) => (
              <select
                {...p}
                value={willingness}
                onChange={(e) => setWillingness((e.target as HTMLSelectElement).value)}
              >
                {['none', 'watch', 'interested', 'license', 'purchase', 'joint-rd'].map((k) => (
                  <option key={k} value={k}>
                    {t(`will.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('occurredOn')} name="occurredOn" errors={o.errors}>
            {(p) => (
              <input
                {...p}
                value={occurredOn}
                onInput={(e) => setOccurredOn((e.target as HTMLInputElement).value)}
              />
            )}
          </Field>
          <button type="submit" disabled={sub.submitting}>
            {sub.submitting ? t('submitting') : t('submit')}
          </button>
          <Outcome o={o} />
        </form>
      </Card>
      <Card title={t('notYet')} id="needs">
        <p class="note">{t('needsPending')}</p>
      </Card>
      <Card title={t('pool')} id="enterprise-pool">
        <Pool />
      </Card>
    </div>
  );
}
