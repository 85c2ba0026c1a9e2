/**
 * Single sign-on at the OpenID Connect provider the api names (GET /auth/config): the authorization
 * code flow with PKCE (RFC 7636, S256) from the browser, the provider's access token kept for the
 * tab and sent as the bearer credential. The provider's endpoints come from its discovery document.
 * Signing out ends the session at the provider too (OpenID Connect RP-Initiated Logout 1.0), when
 * the provider offers it: otherwise the next "sign in with single sign-on" in this browser would pass
 * straight through as the same person.
 */
import { setBearerToken } from './api';

export interface SsoConfig {
  issuer: string;
  clientId: string;
  audience: string;
  scope: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

const FLOW_KEY = 'patent-ledger.sso-flow';
/** The ID token of this tab's single sign-on: the hint that names the session to end at sign-out. */
const ID_TOKEN_KEY = 'patent-ledger.sso-id-token';

/** Why a return from the provider was refused: a console message key, or the provider's own words. */
export type SsoError = { key: 'ssoNoFlow' | 'ssoState' | 'ssoNoToken' } | { text: string };

export async function signInConfig(): Promise<SsoConfig | null> {
  try {
    const res = await fetch('/auth/config', { headers: { Accept: 'application/json' } });
    if (!res.ok) return null;
    return ((await res.json()) as { oidc: SsoConfig | null }).oidc;
  } catch {
    return null;
  }
}

/** Discovery documents by issuer, fetched once per page (sign-in, its return and sign-out use them). */
const discovered = new Map<string, Promise<Discovery>>();

function discover(issuer: string): Promise<Discovery> {
  let doc = discovered.get(issuer);
  if (!doc) {
    doc = fetchDiscovery(issuer);
    doc.catch(() => discovered.delete(issuer)); // a failed fetch is tried again next time
    discovered.set(issuer, doc);
  }
  return doc;
}

async function fetchDiscovery(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    headers: { Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`discovery at ${issuer} answered ${res.status}`);
  const doc = (await res.json()) as Discovery;
  if (doc.issuer !== issuer) throw new Error(`the provider names issuer ${doc.issuer}, not ${issuer}`);
  return doc;
}

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const random = (n: number) => b64url(crypto.getRandomValues(new Uint8Array(n)));

/** The console's own address, as registered with the provider. */
const redirectUri = () => `${location.origin}/`;

/** Leaves for the provider's sign-in page; it comes back to `/` with ?code&state. */
export async function startSso(config: SsoConfig): Promise<void> {
  const d = await discover(config.issuer);
  const verifier = random(32);
  const state = random(16);
  const challenge = b64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(FLOW_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const u = new URL(d.authorization_endpoint);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope,
    resource: config.audience,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(u.toString());
}

/** Whether this page load is a return from the provider's sign-in page (?code&state or ?error). */
export function returningFromSso(): boolean {
  const params = new URLSearchParams(location.search);
  return params.has('code') || params.has('error');
}

/**
 * On return from the provider: the code exchanged (with the PKCE verifier) for the access token.
 * null when this page load is not a return from the provider.
 */
export async function finishSso(
  config: SsoConfig | null,
): Promise<{ ok: true } | { error: SsoError } | null> {
  if (!returningFromSso()) return null;
  const params = new URLSearchParams(location.search);
  const flow = JSON.parse(sessionStorage.getItem(FLOW_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    hash: string;
  } | null;
  sessionStorage.removeItem(FLOW_KEY);
  history.replaceState(null, '', `/${flow?.hash ?? ''}`);
  if (params.has('error'))
    return { error: { text: params.get('error_description') ?? params.get('error')! } };
  if (!config || !flow) return { error: { key: 'ssoNoFlow' } };
  if (params.get('state') !== flow.state) return { error: { key: 'ssoState' } };
  const d = await discover(config.issuer);
  const res = await fetch(d.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code')!,
      redirect_uri: redirectUri(),
      client_id: config.clientId,
      code_verifier: flow.verifier,
      resource: config.audience,
    }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    id_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!res.ok || !body.access_token) {
    const text = body.error_description ?? body.error;
    return { error: text ? { text } : { key: 'ssoNoToken' } };
  }
  setBearerToken(body.access_token);
  if (body.id_token) sessionStorage.setItem(ID_TOKEN_KEY, body.id_token);
  else sessionStorage.removeItem(ID_TOKEN_KEY);
  return { ok: true };
}

/**
 * After the console forgot the provider's token: leaves for the provider's end-session endpoint
 * (with the ID token as hint), which ends the session there and comes back to `/`. False when this
 * tab holds no ID token or the provider has no such endpoint: then only the tab is signed out.
 */
export async function endSsoSession(config: SsoConfig | null): Promise<boolean> {
  const idToken = sessionStorage.getItem(ID_TOKEN_KEY);
  sessionStorage.removeItem(ID_TOKEN_KEY);
  if (!config || !idToken) return false;
  const d = await discover(config.issuer).catch(() => null);
  if (!d?.end_session_endpoint) return false;
  const u = new URL(d.end_session_endpoint);
  u.search = new URLSearchParams({
    id_token_hint: idToken,
    client_id: config.clientId,
    post_logout_redirect_uri: redirectUri(),
  }).toString();
  location.assign(u.toString());
  return true;
}
