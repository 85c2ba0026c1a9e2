import { useState } from 'preact/hooks';
import { get, getBlob, qs, saveBlob } from '../api';
import { useT } from '../i18n';
import { ErrorNote, Field, Loadable, useAsync } from '../ui';

export interface PoolEntry {
  applicationNumber: string;
  institutionId: string;
  title: string;
  kind: string;
  ipc: string[];
  grantDate?: string;
  highValue: boolean;
  highValueFlags: Record<string, boolean>;
  modes: string[];
  askingPrice?: string;
  status: string;
  admittedOn: string;
  evaluationSummary?: { count: number; meanProspect: number | null };
}
interface PoolPage {
  items: PoolEntry[];
  total: number;
  nextCursor: string | null;
}

const FLAGS = [
  'strategicEmergingIndustry',
  'overseasFamily',
  'maintainedOver10Years',
  'pledgeFinancing',
  'award',
];

interface Filter {
  q: string;
  ipc: string;
  institutionId: string;
  kind: string;
  mode: string;
  highValueFlag: string;
  minProspect: string;
  sort: string;
}
const EMPTY: Filter = {
  q: '',
  ipc: '',
  institutionId: '',
  kind: '',
  mode: '',
  highValueFlag: '',
  minProspect: '',
  sort: 'recent',
};
const PAGE = 20;

export function Pool({ fixedInstitution }: { fixedInstitution?: string }) {
  const t = useT();
  const [draft, setDraft] = useState<Filter>({ ...EMPTY, institutionId: fixedInstitution ?? '' });
  const [filter, setFilter] = useState<Filter>(draft);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [exportError, setExportError] = useState<Error | null>(null);
  const cursor = cursors[cursors.length - 1];
  const params = { ...filter, limit: PAGE };
  const [page] = useAsync(
    () => get<PoolPage>(`/resource-pool${qs({ ...params, cursor })}`),
    [JSON.stringify(filter), cursor],
  );
  const set = (k: keyof Filter) => (e: Event) =>
    setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });

  const exportCsv = async () => {
    setExportError(null);
    try {
      saveBlob(
        await getBlob(`/resource-pool${qs({ ...filter, limit: 1000, format: 'csv' })}`, 'text/csv'),
        'resource-pool.csv',
      );
    } catch (e) {
      setExportError(e as Error);
    }
  };
  const exportXlsx = async () => {
    setExportError(null);
    try {
      const rows: PoolEntry[] = [];
      let next: string | undefined;
      do {
        const p: PoolPage = await get<PoolPage>(
          `/resource-pool${qs({ ...filter, limit: 500, cursor: next })}`,
        );
        rows.push(...p.items);
        next = p.nextCursor ?? undefined;
      } while (next && rows.length < 20_000);
      // The xlsx writer loads only when asked for.
      const { default: writeXlsxFile } = await import('write-excel-file/browser');
      const blob = await writeXlsxFile(rows, {
        columns: [
          { header: t('applicationNumber'), cell: (r: PoolEntry) => ({ value: r.applicationNumber }) },
          { header: t('title'), cell: (r: PoolEntry) => ({ value: r.title }) },
          { header: t('institutions'), cell: (r: PoolEntry) => ({ value: r.institutionId }) },
          { header: t('kind'), cell: (r: PoolEntry) => ({ value: t(`kind.${r.kind}`) }) },
          { header: t('ipc'), cell: (r: PoolEntry) => ({ value: r.ipc.join('; ') }) },
          {
            header: t('modes'),
            cell: (r: PoolEntry) => ({ value: r.modes.map((m) => t(`mode.${m}`)).join('、') }),
          },
          { header: t('status'), cell: (r: PoolEntry) => ({ value: t(`deal.${r.status}`) }) },
          {
            header: t('prospect'),
            cell: (r: PoolEntry) => ({ value: r.evaluationSummary?.meanProspect ?? undefined }),
          },
          { header: t('askingPrice'), cell: (r: PoolEntry) => ({ value: r.askingPrice ?? '' }) },
        ],
        sheet: 'pool',
      }).toBlob();
      saveBlob(blob, 'resource-pool.xlsx');
    } catch (e) {
      setExportError(e as Error);
    }
  };

  return (
    <div>
      <form
        class="filters"
        role="search"
        aria-label={t('search')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
          setCursors([undefined]);
        }}
      >
        <Field label={t('title')} name="q">
          {(p) => <input {...p} type="search" value={draft.q} onInput={set('q')} />}
        </Field>
        <Field label={t('ipc')} name="ipc">
          {(p) => <input {...p} value={draft.ipc} onInput={set('ipc')} placeholder="H01M" />}
        </Field>
        {!fixedInstitution && (
          <Field label={t('institutions')} name="institutionId">
            {(p) => <input {...p} value={draft.institutionId} onInput={set('institutionId')} />}
          </Field>
        )}
        <Field label={t('kind')} name="kind">
          {(p) => (
            <select {...p} value={draft.kind} onChange={set('kind')}>
              <option value="">{t('any')}</option>
              {['invention', 'utility-model', 'design'].map((k) => (
                <option value={k} key={k}>
                  {t(`kind.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('mode')} name="mode">
          {(p) => (
            <select {...p} value={draft.mode} onChange={set('mode')}>
              <option value="">{t('any')}</option>
              {['transfer', 'license', 'self-implementation'].map((k) => (
                <option value={k} key={k}>
                  {t(`mode.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('highValue')} name="highValueFlag">
          {(p) => (
            <select {...p} value={draft.highValueFlag} onChange={set('highValueFlag')}>
              <option value="">{t('any')}</option>
              {FLAGS.map((k) => (
                <option value={k} key={k}>
                  {t(`flag.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('minProspect')} name="minProspect">
          {(p) => (
            <select {...p} value={draft.minProspect} onChange={set('minProspect')}>
              <option value="">{t('any')}</option>
              {[1, 2, 3, 4, 5].map((k) => (
                <option value={String(k)} key={k}>
                  ≥ {k}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('sort')} name="sort">
          {(p) => (
            <select {...p} value={draft.sort} onChange={set('sort')}>
              {['recent', 'prospect', 'evaluations'].map((k) => (
                <option value={k} key={k}>
                  {t(`sort.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="actions">
          <button type="submit">{t('search')}</button>
          <button type="button" onClick={() => void exportCsv()}>
            {t('exportCsv')}
          </button>
          <button type="button" onClick={() => void exportXlsx()}>
            {t('exportXlsx')}
          </button>
        </div>
      </form>
      {exportError && <ErrorNote error={exportError} />}
      <Loadable value={page}>
        {(p) => (
          <>
            <p class="total" aria-live="polite" data-total={p.total}>
              {t('total')} {p.total} {t('entries')}
            </p>
            <ul class="cards" aria-label={t('pool')}>
              {p.items.map((e) => (
                <PatentCard entry={e} key={e.applicationNumber} />
              ))}
            </ul>
            <nav class="pager" aria-label={`${t('prev')} / ${t('next')}`}>
              <button
                type="button"
                disabled={cursors.length <= 1}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                {t('prev')}
              </button>
              <button
                type="button"
                disabled={!p.nextCursor}
                onClick={() => p.nextCursor && setCursors([...cursors, p.nextCursor])}
              >
                {t('next')}
              </button>
            </nav>
          </>
        )}
      </Loadable>
    </div>
  );
}

export function PatentCard({ entry: e }: { entry: PoolEntry }) {
  const t = useT();
  const flags = FLAGS.filter((f) => e.highValueFlags[f]);
  return (
    <li class="patent-card" data-application-number={e.applicationNumber}>
      <h3>
        <a href={`#/patent/${encodeURIComponent(e.applicationNumber)}`}>{e.title}</a>
      </h3>
      <dl>
        <dt>{t('applicationNumber')}</dt>
        <dd>{e.applicationNumber}</dd>
        <dt>{t('institutions')}</dt>
        <dd>{e.institutionId}</dd>
        <dt>{t('kind')}</dt>
        <dd>{t(`kind.${e.kind}`)}</dd>
        <dt>{t('ipc')}</dt>
        <dd>{e.ipc.join('; ')}</dd>
        <dt>{t('modes')}</dt>
        <dd>{e.modes.map((m) => t(`mode.${m}`)).join('、')}</dd>
        <dt>{t('status')}</dt>
        <dd data-deal-status={e.status}>{t(`deal.${e.status}`)}</dd>
        <dt>{t('prospect')}</dt>
        <dd>
          {e.evaluationSummary?.meanProspect ?? '—'} ({t('evaluations')} {e.evaluationSummary?.count ?? 0})
        </dd>
        {e.askingPrice !== undefined && (
          <>
            <dt>{t('askingPrice')}</dt>
            <dd>¥{e.askingPrice}</dd>
          </>
        )}
      </dl>
      {flags.length > 0 && (
        <p class="flags">
          {flags.map((f) => (
            <span class="flag" key={f}>
              {t(`flag.${f}`)}
            </span>
          ))}
        </p>
      )}
    </li>
  );
}
