import { useState } from 'preact/hooks';
import { ApiError, get, qs, write, type FieldError } from '../api';
import { useT } from '../i18n';
import { Card, ErrorNote, Field, Loadable, today, useAsync, useSubmission } from '../ui';
import type { Obligation } from './obligations';

/** An enterprise's need on a patent (POST /needs, GET /needs). */
export interface Need {
  needId: string;
  applicationNumber: string;
  kind: 'technology' | 'improvement';
  description: string;
  postedOn: string;
  respondBy?: string;
  status: 'open' | 'answered' | 'withdrawn';
  answer?: { answer: 'accepted' | 'declined'; text?: string; answeredOn: string };
}

const itemsOf = <T,>(body: T[] | { items: T[] }): T[] => (Array.isArray(body) ? body : body.items);

/**
 * "Post a need" and "my needs": the form appends one need per submission (the api names it from the
 * submission's Idempotency-Key), the list is GET /needs, waiting after a post for the read model to
 * include it (read-your-writes).
 */
export function Needs() {
  const t = useT();
  const [minPosition, setMinPosition] = useState<number | undefined>(undefined);
  const [needs] = useAsync(
    () => get<Need[] | { items: Need[] }>(`/needs${qs({ minPosition })}`).then(itemsOf),
    [minPosition],
  );
  const [values, setValues] = useState({
    applicationNumber: '',
    kind: 'technology',
    description: '',
    postedOn: today(),
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [failure, setFailure] = useState<Error | null>(null);
  const sub = useSubmission();
  const set = (k: keyof typeof values, v: string) => setValues({ ...values, [k]: v });
  const post = () =>
    sub.run('need', async (key) => {
      setErrors([]);
      setMessage(null);
      setFailure(null);
      try {
        const r = await write<{ needId: string; events: { position: number }[] }>(
          'POST',
          '/needs',
          { ...values, applicationNumber: values.applicationNumber.trim() },
          { idempotencyKey: key },
        );
        setMessage(r.replayed ? t('replayed') : t('needPosted'));
        const last = r.body.events.at(-1)?.position;
        if (last !== undefined) setMinPosition(last);
      } catch (e) {
        if (e instanceof ApiError && e.errors.length > 0) setErrors(e.errors);
        else setFailure(e as Error);
      }
    });
  return (
    <>
      <Card title={t('postNeed')} id="post-need">
        <form
          onInput={() => sub.reset()}
          onChange={() => sub.reset()}
          onSubmit={(e) => {
            e.preventDefault();
            void post();
          }}
        >
          <Field label={t('applicationNumber')} name="applicationNumber" errors={errors}>
            {(p) => (
              <input
                {...p}
                value={values.applicationNumber}
                onInput={(e) => set('applicationNumber', (e.target as HTMLInputElement).value)}
              />
            )}
          </Field>
          <Field label={t('needKind')} name="kind" errors={errors}>
            {(p) => (
              <select
                {...p}
                value={values.kind}
                onChange={(e) => set('kind', (e.target as HTMLSelectElement).value)}
              >
                {['technology', 'improvement'].map((k) => (
                  <option key={k} value={k}>
                    {t(`needKind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('needDescription')} name="description" errors={errors}>
            {(p) => (
              <textarea
                {...p}
                rows={3}
                value={values.description}
                onInput={(e) => set('description', (e.target as HTMLTextAreaElement).value)}
              />
            )}
          </Field>
          <Field label={t('postedOn')} name="postedOn" errors={errors}>
            {(p) => (
              <input
                {...p}
                value={values.postedOn}
                onInput={(e) => set('postedOn', (e.target as HTMLInputElement).value)}
              />
            )}
          </Field>
          <button type="submit" disabled={sub.submitting}>
            {sub.submitting ? t('submitting') : t('submit')}
          </button>
          {message && (
            <p role="status" class="ok" data-outcome>
              {message}
            </p>
          )}
          {failure && <ErrorNote error={failure} />}
        </form>
      </Card>
      <Card title={t('myNeeds')} id="my-needs">
        <Loadable value={needs}>
          {(list) =>
            list.length === 0 ? (
              <p>{t('none')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('applicationNumber')}</th>
                    <th scope="col">{t('needKind')}</th>
                    <th scope="col">{t('needDescription')}</th>
                    <th scope="col">{t('postedOn')}</th>
                    <th scope="col">{t('respondBy')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col">{t('needAnswer')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((n) => (
                    <tr key={n.needId} data-need={n.needId}>
                      <th scope="row">
                        <a href={`#/patent/${encodeURIComponent(n.applicationNumber)}`}>
                          {n.applicationNumber}
                        </a>
                      </th>
                      <td>{t(`needKind.${n.kind}`)}</td>
                      <td>{n.description}</td>
                      <td>{n.postedOn}</td>
                      <td>{n.respondBy ?? '—'}</td>
                      <td>
                        <span data-need-status={n.status}>{t(`needStatus.${n.status}`)}</span>
                      </td>
                      <td>
                        {n.answer
                          ? `${t(`needAnswer.${n.answer.answer}`)} (${n.answer.answeredOn})${n.answer.text ? `: ${n.answer.text}` : ''}`
                          : '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loadable>
      </Card>
    </>
  );
}

async function owed(): Promise<Obligation[]> {
  const out: Obligation[] = [];
  let cursor: string | undefined;
  do {
    const p = await get<{ items: Obligation[]; nextCursor: string | null }>(
      `/obligations${qs({ limit: 500, cursor })}`,
    );
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor && out.length < 5000);
  return out;
}

/**
 * "Follow my deals": the deals in which the enterprise owes obligations (GET /obligations answers an
 * enterprise with those it owes), each with its patent, the next obligation due and how many are
 * open, overdue and fulfilled; then every obligation.
 */
export function MyDeals() {
  const t = useT();
  const [data] = useAsync(owed, []);
  return (
    <Card title={t('myDeals')} id="my-deals">
      <Loadable value={data}>
        {(items) => {
          const deals = new Map<string, Obligation[]>();
          for (const o of items)
            deals.set(`${o.applicationNumber}\0${o.ref}`, [
              ...(deals.get(`${o.applicationNumber}\0${o.ref}`) ?? []),
              o,
            ]);
          if (items.length === 0) return <p>{t('none')}</p>;
          return (
            <>
              <table aria-label={t('myDeals')}>
                <thead>
                  <tr>
                    <th scope="col">{t('dealId')}</th>
                    <th scope="col">{t('applicationNumber')}</th>
                    <th scope="col">{t('nextDue')}</th>
                    <th scope="col">{t('open')}</th>
                    <th scope="col">{t('overdue')}</th>
                    <th scope="col">{t('fulfilled')}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...deals.values()].map((os) => {
                    const first = os[0]!;
                    const pending = os
                      .filter((o) => o.status !== 'fulfilled')
                      .map((o) => o.dueDate)
                      .sort();
                    const n = (s: string) => os.filter((o) => o.status === s).length;
                    return (
                      <tr key={`${first.applicationNumber}-${first.ref}`} data-deal={first.ref}>
                        <th scope="row">{first.ref}</th>
                        <td>{first.applicationNumber}</td>
                        <td>{pending[0] ?? '—'}</td>
                        <td data-open>{n('open')}</td>
                        <td data-overdue>{n('overdue')}</td>
                        <td data-fulfilled>{n('fulfilled')}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <table aria-label={t('owedObligations')} id="owed">
                <caption>{t('owedObligations')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('obligationKind')}</th>
                    <th scope="col">{t('applicationNumber')}</th>
                    <th scope="col">{t('due')}</th>
                    <th scope="col">{t('status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((o) => (
                    <tr key={o.id} data-obligation={o.id}>
                      <th scope="row">{t(`oblkind.${o.kind}`)}</th>
                      <td>{o.applicationNumber}</td>
                      <td>{o.dueDate}</td>
                      <td>
                        <span data-status={o.status}>{t(o.status)}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </Loadable>
    </Card>
  );
}
