import { useState } from 'preact/hooks';
import { ApiError, get, write, type FieldError } from '../api';
import { useT } from '../i18n';
import { Card, ErrorNote, Field, Loadable, today, useAsync, useSubmission } from '../ui';
import type { ProgressReport } from './dashboard';
import { PlansEditor } from './plans';

interface Account {
  userId: string;
  orgId: string;
  role: string;
  displayName: string;
  admin: boolean;
  disabled: boolean;
}
interface Denial {
  at?: string;
  recordedAt?: string;
  rule?: string;
  method?: string;
  path?: string;
  principal?: { orgId?: string; userId?: string; role?: string };
  [k: string]: unknown;
}

const ROLES = ['institution', 'enterprise', 'ip-office', 'auditor', 'analyst'];

export function Admin() {
  const t = useT();
  const [users] = useAsync(() => get<{ items: Account[] }>('/users'), []);
  // Accounts added here (the list is a read model that follows the log within a second).
  const [added, setAdded] = useState<Account[]>([]);
  const [date, setDate] = useState(today());
  const [denials] = useAsync(() => get<{ items: Denial[] }>(`/access/denials?date=${date}`), [date]);
  const [institutions] = useAsync(() => get<ProgressReport>(`/progress?asOf=${today()}`), []);
  return (
    <div>
      <Card title={t('users')} id="users">
        <Loadable value={users}>
          {(u) => (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('user')}</th>
                  <th scope="col">{t('displayName')}</th>
                  <th scope="col">{t('org')}</th>
                  <th scope="col">{t('role')}</th>
                  <th scope="col">{t('isAdmin')}</th>
                  <th scope="col">{t('status')}</th>
                </tr>
              </thead>
              <tbody>
                {[...u.items.filter((a) => !added.some((x) => x.userId === a.userId)), ...added].map((a) => (
                  <tr key={a.userId} data-user={a.userId}>
                    <th scope="row">{a.userId}</th>
                    <td>{a.displayName}</td>
                    <td>{a.orgId}</td>
                    <td>{t(`role.${a.role}`)}</td>
                    <td>{a.admin ? '✓' : ''}</td>
                    <td>{a.disabled ? t('disabled') : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loadable>
        <AddUser onAdded={(a) => setAdded([...added.filter((x) => x.userId !== a.userId), a])} />
      </Card>
      <Card title={t('institutions')} id="institutions">
        <Loadable value={institutions}>
          {(p) => (
            <ul class="inline-list">
              {p.institutions.map((i) => (
                <li key={i.institutionId}>
                  {i.name} ({i.institutionId}, {i.province}, {t(`group.${i.milestoneGroup}`)},{' '}
                  {i.stockPatentCount})
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <PlansEditor />
      <Card title={t('denials')} id="denials">
        <Field label={t('date')} name="denials-date">
          {(p) => (
            <input
              {...p}
              type="date"
              value={date}
              onChange={(e) => setDate((e.target as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Loadable value={denials}>
          {(d) =>
            d.items.length === 0 ? (
              <p>{t('none')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('recordedAt')}</th>
                    <th scope="col">{t('actor')}</th>
                    <th scope="col">{t('event')}</th>
                    <th scope="col">{t('rule')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((x, i) => (
                    <tr key={i} data-denial>
                      <td>{String(x.at ?? x.recordedAt ?? '')}</td>
                      <td>
                        {x.principal?.role}/{x.principal?.orgId}/{x.principal?.userId}
                      </td>
                      <td>
                        {x.method} {x.path}
                      </td>
                      <td>{x.rule}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loadable>
      </Card>
    </div>
  );
}

function AddUser({ onAdded }: { onAdded: (a: Account) => void }) {
  const t = useT();
  const sub = useSubmission();
  const [f, setF] = useState({ userId: '', orgId: '', role: 'institution', displayName: '', password: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<Error | null>(null);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  return (
    <form
      class="add-user"
      aria-label={t('addUser')}
      onInput={() => sub.reset()}
      onSubmit={(e) => {
        e.preventDefault();
        setErrors([]);
        setFailure(null);
        void sub.run('user', async (key) => {
          try {
            const { password, ...rest } = f;
            const r = await write<Account>('POST', '/users', password ? f : rest, { idempotencyKey: key });
            onAdded(r.body);
          } catch (err) {
            if (err instanceof ApiError) setErrors(err.errors);
            setFailure(err as Error);
          }
        });
      }}
    >
      <h3>{t('addUser')}</h3>
      <Field label={t('user')} name="userId" errors={errors}>
        {(p) => <input {...p} value={f.userId} onInput={set('userId')} />}
      </Field>
      <Field label={t('org')} name="orgId" errors={errors}>
        {(p) => <input {...p} value={f.orgId} onInput={set('orgId')} />}
      </Field>
      <Field label={t('role')} name="role" errors={errors}>
        {(p) => (
          <select {...p} value={f.role} onChange={set('role')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('displayName')} name="displayName" errors={errors}>
        {(p) => <input {...p} value={f.displayName} onInput={set('displayName')} />}
      </Field>
      <Field label={t('password')} name="password" errors={errors}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            value={f.password}
            onInput={set('password')}
          />
        )}
      </Field>
      <button type="submit" disabled={sub.submitting}>
        {sub.submitting ? t('submitting') : t('addUser')}
      </button>
      {failure && <ErrorNote error={failure} />}
    </form>
  );
}
