import { useState } from 'preact/hooks';
import { ApiError, get, qs, write, type FieldError } from '../api';
import { useT } from '../i18n';
import { Card, ErrorNote, Field, Loadable, useAsync, useSubmission } from '../ui';

/** A plan document (docs/plans/plan.schema.json); the editor keeps it as JSON text. */
type PlanDocument = { planId: string; version: number; title: string; province: string } & Record<
  string,
  unknown
>;
interface PublishedPlan {
  planId: string;
  version: number;
  province: string;
  effectiveFrom: string;
  publishedOn: string;
  inForce: boolean;
  document: PlanDocument;
}
interface PlansReport {
  asOf: string;
  default: PlanDocument & { inForceFor: string };
  plans: PublishedPlan[];
}

const pretty = (d: unknown) => JSON.stringify(d, null, 2);

/**
 * The programme plans (GET /plans): each published version, which is in force, and the default
 * plan; a version opened as JSON, edited and published (PUT /plans/{planId}), the api's schema
 * messages listed by their path in the document.
 */
export function PlansEditor() {
  const t = useT();
  // After a publication, the list waits for the read model to include it (read-your-writes).
  const [minPosition, setMinPosition] = useState<number | undefined>(undefined);
  const [plans] = useAsync(() => get<PlansReport>(`/plans${qs({ minPosition })}`), [minPosition]);
  const [planId, setPlanId] = useState('');
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [failure, setFailure] = useState<Error | null>(null);
  const sub = useSubmission();
  const open = (doc: PlanDocument) => {
    const { inForceFor: _drop, ...rest } = doc as PlanDocument & { inForceFor?: string };
    setPlanId(doc.planId);
    setText(pretty(rest));
    setErrors([]);
    setMessage(null);
    setFailure(null);
    sub.reset();
  };
  const publish = () =>
    sub.run('plan', async (key) => {
      setErrors([]);
      setMessage(null);
      setFailure(null);
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        setErrors([{ field: 'plan', message: `${t('badJson')}: ${(e as Error).message}` }]);
        return;
      }
      try {
        const r = await write<{ events: { position: number }[] }>(
          'PUT',
          `/plans/${encodeURIComponent(planId.trim())}`,
          doc,
          {
            idempotencyKey: key,
          },
        );
        setMessage(r.status === 201 ? t('planPublished') : t('planUnchanged'));
        const last = r.body.events.at(-1)?.position;
        if (last !== undefined) setMinPosition(last);
      } catch (e) {
        if (e instanceof ApiError && e.errors.length > 0) setErrors(e.errors);
        else setFailure(e as Error);
      }
    });
  return (
    <Card title={t('plans')} id="plans">
      <Loadable value={plans}>
        {(p) => (
          <table aria-label={t('plans')}>
            <thead>
              <tr>
                <th scope="col">{t('planId')}</th>
                <th scope="col">{t('version')}</th>
                <th scope="col">{t('province')}</th>
                <th scope="col">{t('effectiveFrom')}</th>
                <th scope="col">{t('inForce')}</th>
                <th scope="col">
                  <span class="sr-only">{t('view')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.plans.map((x) => (
                <tr key={`${x.planId}-${x.version}`} data-plan={`${x.planId}@${x.version}`}>
                  <th scope="row">{x.planId}</th>
                  <td>{x.version}</td>
                  <td>{x.province}</td>
                  <td>{x.effectiveFrom}</td>
                  <td data-in-force={String(x.inForce)}>{x.inForce ? '✓' : ''}</td>
                  <td>
                    <button type="button" onClick={() => open(x.document)}>
                      {t('view')}
                      <span class="sr-only">
                        {' '}
                        {x.planId} v{x.version}
                      </span>
                    </button>
                  </td>
                </tr>
              ))}
              <tr data-plan="default">
                <th scope="row">{p.default.planId}</th>
                <td>{p.default.version}</td>
                <td>{p.default.province}</td>
                <td>{String(p.default['effectiveFrom'] ?? '')}</td>
                <td>{t('defaultPlan')}</td>
                <td>
                  <button type="button" onClick={() => open(p.default)}>
                    {t('view')}
                    <span class="sr-only"> {t('defaultPlan')}</span>
                  </button>
                </td>
              </tr>
            </tbody>
          </table>
        )}
      </Loadable>
      {text !== '' && (
        <form
          id="plan-editor"
          onInput={() => sub.reset()}
          onSubmit={(e) => {
            e.preventDefault();
            void publish();
          }}
        >
          <Field label={t('planId')} name="planIdPath">
            {(props) => (
              <input
                {...props}
                value={planId}
                onInput={(e) => setPlanId((e.target as HTMLInputElement).value)}
              />
            )}
          </Field>
          <div class="field">
            <label for="plan-json">{t('planDocument')}</label>
            <textarea
              id="plan-json"
              name="plan"
              rows={18}
              spellcheck={false}
              value={text}
              aria-invalid={errors.length > 0 ? 'true' : undefined}
              aria-describedby={errors.length > 0 ? 'plan-errors' : undefined}
              onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            />
          </div>
          {errors.length > 0 && (
            <ul id="plan-errors" class="field-errors">
              {errors.map((e, i) => (
                <li key={i} class="field-error" data-plan-error={e.field}>
                  <code>{e.field}</code>: {e.message}
                </li>
              ))}
            </ul>
          )}
          <button type="submit" disabled={sub.submitting}>
            {sub.submitting ? t('submitting') : t('publish')}
          </button>
          {message && (
            <p role="status" class="ok" data-outcome>
              {message}
            </p>
          )}
          {failure && <ErrorNote error={failure} />}
        </form>
      )}
    </Card>
  );
}
