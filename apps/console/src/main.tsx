import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, login, logout, me, type Principal } from './api';
import { LangContext, translator, type Key, type Lang } from './i18n';
import { Admin } from './screens/admin';
import { Dashboard } from './screens/dashboard';
import { Obligations } from './screens/obligations';
import { PatentPage } from './screens/patent';
import { Pool } from './screens/pool';
import { EnterpriseWorkspace, InstitutionWorkspace } from './screens/workspaces';
import {
  endSsoSession,
  finishSso,
  returningFromSso,
  signInConfig,
  startSso,
  type SsoConfig,
  type SsoError,
} from './sso';
import './styles.css';

type Screen = 'dashboard' | 'pool' | 'obligations' | 'institution' | 'enterprise' | 'admin';

/** The screens each role may use (the api enforces the policy; the console hides what a role cannot use). */
export function screensFor(p: Principal): Screen[] {
  switch (p.role) {
    case 'ip-office':
      return p.admin ? ['dashboard', 'pool', 'obligations', 'admin'] : ['dashboard', 'pool', 'obligations'];
    case 'analyst':
      return ['dashboard', 'pool', 'obligations'];
    case 'auditor':
      return ['pool', 'obligations'];
    case 'institution':
      return ['institution', 'pool', 'obligations'];
    case 'enterprise':
      return ['enterprise', 'pool'];
  }
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({
  onSignedIn,
  sso,
  ssoError,
}: {
  onSignedIn: (p: Principal) => void;
  sso: SsoConfig | null;
  ssoError: SsoError | null;
}) {
  const t = translator(useLangState());
  const why = ssoError && ('key' in ssoError ? t(ssoError.key) : ssoError.text);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(why ? `${t('signInFailed')}: ${why}` : null);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="signin">
      <h1>{t('appTitle')}</h1>
      {sso && (
        <section class="sso" aria-labelledby="sso-h">
          <h2 id="sso-h">{t('ssoTitle')}</h2>
          <button
            type="button"
            data-sso={sso.issuer}
            disabled={busy}
            onClick={() => {
              setBusy(true);
              setError(null);
              startSso(sso).catch((err: Error) => {
                setError(`${t('signInFailed')}: ${err.message}`);
                setBusy(false);
              });
            }}
          >
            {t('ssoSignIn')}
          </button>
        </section>
      )}
      <form
        aria-labelledby="signin-h"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          login(user, password).then(onSignedIn, (err: Error) => {
            setError(`${t('signInFailed')}: ${err instanceof ApiError ? err.message : String(err)}`);
            setBusy(false);
          });
        }}
      >
        <h2 id="signin-h">{t('signInTitle')}</h2>
        <label for="user">{t('user')}</label>
        <input
          id="user"
          name="user"
          autoComplete="username"
          value={user}
          onInput={(e) => setUser((e.target as HTMLInputElement).value)}
        />
        <label for="password">{t('password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          {t('signIn')}
        </button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

let langListeners: ((l: Lang) => void)[] = [];
let currentLang: Lang = (localStorage.getItem('patent-ledger.lang') as Lang | null) ?? 'zh';
function setLang(l: Lang) {
  currentLang = l;
  localStorage.setItem('patent-ledger.lang', l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  for (const f of langListeners) f(l);
}
function useLangState(): Lang {
  const [lang, set] = useState(currentLang);
  useEffect(() => {
    langListeners.push(set);
    return () => {
      langListeners = langListeners.filter((f) => f !== set);
    };
  }, []);
  return lang;
}

function App() {
  const lang = useLangState();
  const t = useMemo(() => translator(lang), [lang]);
  const [principal, setPrincipal] = useState<Principal | null | undefined>(undefined);
  const [sso, setSso] = useState<{ config: SsoConfig | null; error: SsoError | null }>({
    config: null,
    error: null,
  });
  const hash = useHash();
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('appTitle');
  }, [lang, t]);
  useEffect(() => {
    void (async () => {
      // Who is signed in is asked beside the sign-in configuration, except on a return from the
      // provider's sign-in page: there the code is exchanged for the token first.
      const returning = returningFromSso();
      const signedIn = returning ? null : me();
      const config = await signInConfig();
      const back = await finishSso(config).catch((e: Error) => ({ error: { text: e.message } }));
      setSso({ config, error: back && 'error' in back ? back.error : null });
      setPrincipal(await (signedIn ?? me()));
    })();
  }, []);
  const langButton = (
    <button
      type="button"
      class="lang"
      lang={lang === 'zh' ? 'en' : 'zh-CN'}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
    >
      {t('switchLang')}
    </button>
  );
  if (principal === undefined) return <p aria-busy="true">{t('loading')}</p>;
  if (principal === null)
    return (
      <LangContext.Provider value={{ lang, t }}>
        <header class="top">{langButton}</header>
        <SignIn onSignedIn={setPrincipal} sso={sso.config} ssoError={sso.error} />
      </LangContext.Provider>
    );
  const screens = screensFor(principal);
  const [, name, arg] = /^#\/([^/]+)(?:\/(.*))?$/.exec(hash) ?? [];
  const screen = (
    name && (screens as string[]).includes(name) ? name : name === 'patent' ? 'patent' : screens[0]
  ) as Screen | 'patent';
  return (
    <LangContext.Provider value={{ lang, t }}>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('skip')}
      </a>
      <header class="top">
        <span class="brand">{t('appTitle')}</span>
        <nav aria-label={t('mainNav')}>
          <ul>
            {screens.map((s) => (
              <li key={s}>
                <a href={`#/${s}`} aria-current={screen === s ? 'page' : undefined} data-screen={s}>
                  {t(s as Key)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" data-principal={`${principal.role}:${principal.orgId}`}>
          {principal.userId} · {t(`role.${principal.role}`)} · {principal.orgId}
        </span>
        {langButton}
        <button
          type="button"
          onClick={() => {
            // The ledger's session (or the provider's token in this tab) first; then, after a single
            // sign-on, the provider's session, whose end-session page brings the browser back here.
            void logout()
              .then(() => endSsoSession(sso.config))
              .then((leaving) => {
                if (!leaving) setPrincipal(null);
              });
          }}
        >
          {t('signOut')}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{t(screen as Key)}</h1>
        {screen === 'dashboard' && <Dashboard />}
        {screen === 'pool' && <Pool />}
        {screen === 'obligations' && <Obligations />}
        {screen === 'institution' && <InstitutionWorkspace principal={principal} />}
        {screen === 'enterprise' && <EnterpriseWorkspace principal={principal} />}
        {screen === 'admin' && <Admin />}
        {screen === 'patent' && arg && <PatentPage id={decodeURIComponent(arg)} />}
      </main>
    </LangContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
