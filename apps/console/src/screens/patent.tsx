import { get, getBlob, saveBlob } from '../api';
import { useT } from '../i18n';
import { Card, ErrorNote, Loadable, useAsync, type Async } from '../ui';

interface EventRecord {
  version: number;
  position: number;
  type: string;
  data: Record<string, unknown> & { occurredOn?: string };
  metadata: { recordedAt: string; actor?: { orgId: string; role: string; userId: string } };
}
interface Provenance {
  fields: Record<
    string,
    {
      eventType: string;
      businessDate?: string;
      recordedAt: string;
      position: number;
      actor?: { orgId: string; role: string };
    }
  >;
}
interface Obligation {
  id: string;
  kind: string;
  applicationNumber: string;
  ref: string;
  dueDate: string;
  status: string;
  late?: boolean;
  daysOverdue?: number;
  responsibleParty: { kind: string; id: string };
}
type Deal = { dealId?: string; industrializationId?: string; [k: string]: unknown };

async function optional<T>(p: Promise<T>): Promise<T | Error> {
  try {
    return await p;
  } catch (e) {
    return e as Error;
  }
}

async function loadPatent(id: string) {
  const patent = await get<{
    version: number;
    state: Record<string, unknown> & { institutionId: string; title: string };
  }>(`/patents/${encodeURIComponent(id)}`);
  const enc = encodeURIComponent(id);
  const [events, provenance, verify, obligations] = await Promise.all([
    optional(get<{ events: EventRecord[] }>(`/patents/${enc}/events`)),
    optional(get<Provenance>(`/patents/${enc}/provenance`)),
    optional(get<{ ok: boolean; events: number; issue?: unknown }>(`/patents/${enc}/verify`)),
    optional(
      get<{ items: Obligation[] }>(
        `/obligations?institutionId=${encodeURIComponent(patent.state.institutionId)}&limit=500`,
      ),
    ),
  ]);
  return { patent, events, provenance, verify, obligations };
}

const SHOWN = [
  'status',
  'title',
  'institutionId',
  'kind',
  'filingDate',
  'grantDate',
  'expiryDate',
  'ipc',
  'holder',
  'inPool',
  'highValue',
  'cohort',
  'intent',
];

const DATE_KEYS = [
  'occurredOn',
  'contractDate',
  'registeredOn',
  'recordedOn',
  'reportedOn',
  'effectiveOn',
  'effectiveDate',
  'filedOn',
];

/** The business date of an event: the date it says the fact happened on. */
export function businessDateOf(data: Record<string, unknown>): string | undefined {
  for (const k of DATE_KEYS) if (typeof data[k] === 'string') return data[k];
  const any = Object.entries(data).find(([k, v]) => /(On|Date)$/.test(k) && typeof v === 'string');
  return any?.[1] as string | undefined;
}

const showField = (k: string, v: unknown): string => {
  if (k === 'holder' && v && typeof v === 'object') {
    const h = v as { kind?: string; id?: string; name?: string };
    return `${h.name ?? h.id ?? ''} (${h.kind ?? ''}${h.name && h.id ? `, ${h.id}` : ''})`;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('; ');
  return show(v);
};

const show = (v: unknown): string =>
  v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);

export function PatentPage({ id }: { id: string }) {
  const t = useT();
  const [data] = useAsync(() => loadPatent(id), [id]);
  return (
    <Loadable value={data}>
      {(d) => {
        const s = d.patent.state;
        const deals: [string, Deal][] = [
          ...((s['transfers'] as Deal[] | undefined) ?? []).map((x): [string, Deal] => ['transfer', x]),
          ...((s['licenses'] as Deal[] | undefined) ?? []).map((x): [string, Deal] => ['license', x]),
          ...((s['industrializations'] as Deal[] | undefined) ?? []).map((x): [string, Deal] => [
            'industrialization',
            x,
          ]),
        ];
        const obligations =
          d.obligations instanceof Error ? [] : d.obligations.items.filter((o) => o.applicationNumber === id);
        return (
          <>
            <h2 class="patent-title">
              {s.title} <small>{id}</small>
              <VerifyBadge verify={d.verify} id={id} />
            </h2>
            <Card title={t('currentState')} id="state">
              <dl class="state">
                {SHOWN.filter((k) => k in s).map((k) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{showField(k, s[k])}</dd>
                  </div>
                ))}
                <div>
                  <dt>{t('version')}</dt>
                  <dd data-version>{d.patent.version}</dd>
                </div>
              </dl>
            </Card>
            <Card title={t('timeline')} id="timeline">
              {d.events instanceof Error ? (
                <ErrorNote error={d.events} />
              ) : (
                <ol class="timeline">
                  {d.events.events.map((e) => (
                    <li key={e.version} data-event-type={e.type}>
                      <strong>{e.type}</strong> · {t('businessDate')}{' '}
                      <span data-business-date>{businessDateOf(e.data) ?? '—'}</span> · {t('recordedAt')}{' '}
                      {e.metadata.recordedAt} · {t('actor')} {e.metadata.actor?.role}/
                      {e.metadata.actor?.orgId}
                    </li>
                  ))}
                </ol>
              )}
            </Card>
            <Card title={t('deals')} id="deals">
              {deals.length === 0 && <p>{t('none')}</p>}
              <ul>
                {deals.map(([kind, deal]) => {
                  const ref = deal.dealId ?? deal.industrializationId ?? '';
                  const mine = obligations.filter((o) => o.ref === ref);
                  return (
                    <li key={`${kind}-${ref}`}>
                      <strong>{kind}</strong> {ref} {show(deal['contractDate'] ?? deal['occurredOn'])}
                      <ul>
                        {mine.map((o) => (
                          <li key={o.id}>
                            {t(`oblkind.${o.kind}`)} · {t('due')} {o.dueDate} · {t(o.status)}
                            {o.late ? ` (${t('late')})` : ''}
                          </li>
                        ))}
                      </ul>
                    </li>
                  );
                })}
              </ul>
            </Card>
            <Card title={t('provenance')} id="provenance">
              {d.provenance instanceof Error ? (
                <ErrorNote error={d.provenance} />
              ) : (
                <div class="scroll" tabIndex={0} role="region" aria-label={t('provenance')}>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('field')}</th>
                        <th scope="col">{t('event')}</th>
                        <th scope="col">{t('businessDate')}</th>
                        <th scope="col">{t('recordedAt')}</th>
                        <th scope="col">{t('actor')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {Object.entries(d.provenance.fields).map(([f, p]) => (
                        <tr key={f}>
                          <th scope="row">{f}</th>
                          <td>
                            {p.eventType} #{p.position}
                          </td>
                          <td>{p.businessDate ?? '—'}</td>
                          <td>{p.recordedAt}</td>
                          <td>
                            {p.actor?.role}/{p.actor?.orgId}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Card>
          </>
        );
      }}
    </Loadable>
  );
}

function VerifyBadge({
  verify,
  id,
}: {
  verify: Awaited<ReturnType<typeof loadPatent>>['verify'];
  id: string;
}) {
  const t = useT();
  if (verify instanceof Error) return null;
  return (
    <span class="verify">
      <span
        class={`badge ${verify.ok ? 'badge-met' : 'badge-missed'}`}
        data-verify={verify.ok ? 'ok' : 'broken'}
      >
        {t('verify')}: {verify.ok ? `✓ ${t('verified')}` : `✗ ${t('broken')}`}
      </span>
      <button
        type="button"
        onClick={() =>
          void getBlob(`/patents/${encodeURIComponent(id)}/evidence`, 'application/json').then((b) =>
            saveBlob(b, `evidence-${id}.json`),
          )
        }
      >
        {t('evidence')}
      </button>
    </span>
  );
}

export type { Async };
