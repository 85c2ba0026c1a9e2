import { useState } from 'preact/hooks';
import { get, getBlob, qs, saveBlob } from '../api';
import { useT } from '../i18n';
import { Card, ErrorNote, Field, Loadable, today, useAsync } from '../ui';

export interface Obligation {
  id: string;
  kind: string;
  applicationNumber: string;
  institutionId: string;
  ref: string;
  dueDate: string;
  responsibleParty: { kind: string; id: string };
  status: 'open' | 'overdue' | 'fulfilled';
  fulfilledOn?: string;
  late?: boolean;
  daysOverdue?: number;
}

type View = 'due-soon' | 'overdue' | 'late' | 'all';

async function loadAll(status: string | undefined): Promise<Obligation[]> {
  const out: Obligation[] = [];
  let cursor: string | undefined;
  do {
    const p = await get<{ items: Obligation[]; nextCursor: string | null }>(
      `/obligations${qs({ status, limit: 500, cursor })}`,
    );
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor && out.length < 5000);
  return out;
}

const plusDays = (d: string, n: number): string => {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
};

export function Obligations() {
  const t = useT();
  const [view, setView] = useState<View>('overdue');
  const [mode, setMode] = useState<'list' | 'calendar'>('list');
  const [csvError, setCsvError] = useState<Error | null>(null);
  const status =
    view === 'due-soon' ? 'open' : view === 'overdue' ? 'overdue' : view === 'late' ? 'fulfilled' : undefined;
  const [data] = useAsync(() => loadAll(status), [status]);
  const now = today();
  const filter = (items: Obligation[]) =>
    view === 'due-soon'
      ? items.filter((o) => o.dueDate <= plusDays(now, 30))
      : view === 'late'
        ? items.filter((o) => o.late)
        : items;
  return (
    <div>
      <div class="toolbar">
        <Field label={t('status')} name="view">
          {(p) => (
            <select
              {...p}
              value={view}
              onChange={(e) => setView((e.target as HTMLSelectElement).value as View)}
            >
              <option value="due-soon">{t('dueSoon')}</option>
              <option value="overdue">{t('overdue')}</option>
              <option value="late">{t('late')}</option>
              <option value="all">{t('any')}</option>
            </select>
          )}
        </Field>
        <div role="group" aria-label={`${t('list')} / ${t('calendar')}`}>
          <button type="button" aria-pressed={mode === 'list'} onClick={() => setMode('list')}>
            {t('list')}
          </button>
          <button type="button" aria-pressed={mode === 'calendar'} onClick={() => setMode('calendar')}>
            {t('calendar')}
          </button>
        </div>
        <button
          type="button"
          onClick={() => {
            setCsvError(null);
            getBlob(`/obligations${qs({ status, format: 'csv' })}`, 'text/csv').then(
              (b) => saveBlob(b, 'obligations.csv'),
              (e: Error) => setCsvError(e),
            );
          }}
        >
          {t('exportCsv')}
        </button>
      </div>
      {csvError && <ErrorNote error={csvError} />}
      <Loadable value={data}>
        {(all) => {
          const items = filter(all);
          return (
            <>
              <p class="total" data-total={items.length}>
                {t('total')} {items.length} {t('entries')}
              </p>
              <PerParty items={items} />
              {mode === 'list' ? <List items={items} /> : <Calendar items={items} />}
            </>
          );
        }}
      </Loadable>
    </div>
  );
}

function PerParty({ items }: { items: Obligation[] }) {
  const t = useT();
  const by = new Map<string, { open: number; overdue: number; fulfilled: number; late: number }>();
  for (const o of items) {
    const k = `${o.responsibleParty.kind}:${o.responsibleParty.id}`;
    const c = by.get(k) ?? { open: 0, overdue: 0, fulfilled: 0, late: 0 };
    c[o.status] += 1;
    if (o.late) c.late += 1;
    by.set(k, c);
  }
  return (
    <Card title={t('perParty')} id="per-party">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('responsibleParty')}</th>
            <th scope="col">{t('open')}</th>
            <th scope="col">{t('overdue')}</th>
            <th scope="col">{t('fulfilled')}</th>
            <th scope="col">{t('late')}</th>
          </tr>
        </thead>
        <tbody>
          {[...by.entries()].map(([k, c]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{c.open}</td>
              <td>{c.overdue}</td>
              <td>{c.fulfilled}</td>
              <td>{c.late}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function List({ items }: { items: Obligation[] }) {
  const t = useT();
  return (
    <Card title={t('list')} id="obligation-list">
      <div class="scroll" tabIndex={0} role="region" aria-label={t('list')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('due')}</th>
              <th scope="col">{t('event')}</th>
              <th scope="col">{t('applicationNumber')}</th>
              <th scope="col">{t('responsibleParty')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">{t('daysOverdue')}</th>
            </tr>
          </thead>
          <tbody>
            {items.slice(0, 300).map((o) => (
              <tr key={o.id} data-obligation={o.id}>
                <td>{o.dueDate}</td>
                <td>{t(`oblkind.${o.kind}`)}</td>
                <td>
                  <a href={`#/patent/${encodeURIComponent(o.applicationNumber)}`}>{o.applicationNumber}</a>
                </td>
                <td>
                  {o.responsibleParty.kind}:{o.responsibleParty.id}
                </td>
                <td>
                  {t(o.status)}
                  {o.late ? ` (${t('late')})` : ''}
                </td>
                <td>{o.daysOverdue ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function Calendar({ items }: { items: Obligation[] }) {
  const t = useT();
  const months = [...new Set(items.map((o) => o.dueDate.slice(0, 7)))].sort();
  const [month, setMonth] = useState(months[0] ?? today().slice(0, 7));
  const first = new Date(`${month}-01T00:00:00Z`);
  const days = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  const offset = (first.getUTCDay() + 6) % 7; // Monday first
  const cells: (number | null)[] = [
    ...Array<null>(offset).fill(null),
    ...Array.from({ length: days }, (_, i) => i + 1),
  ];
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  const on = (d: number) => items.filter((o) => o.dueDate === `${month}-${String(d).padStart(2, '0')}`);
  return (
    <Card title={t('calendar')} id="obligation-calendar">
      <Field label={t('month')} name="month">
        {(p) => (
          <input
            {...p}
            type="month"
            value={month}
            onChange={(e) => setMonth((e.target as HTMLInputElement).value)}
          />
        )}
      </Field>
      <table class="calendar">
        <thead>
          <tr>
            {['一', '二', '三', '四', '五', '六', '日'].map((d) => (
              <th scope="col" key={d}>
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((w, i) => (
            <tr key={i}>
              {w.map((d, j) => (
                <td key={j}>
                  {d !== null && (
                    <>
                      <span class="day">{d}</span>
                      {on(d).length > 0 && (
                        <span
                          class="count"
                          title={on(d)
                            .map((o) => o.applicationNumber)
                            .join(', ')}
                        >
                          {on(d).length}
                        </span>
                      )}
                    </>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
