/**
 * The console's client of the api: the session cookie of POST /auth/login and the X-CSRF-Token on
 * every write, or the bearer token of a single sign-on; problem+json errors turned into ApiError
 * (with the field errors the api names).
 */
export interface Principal {
  role: 'institution' | 'enterprise' | 'ip-office' | 'auditor' | 'analyst';
  orgId: string;
  userId: string;
  admin?: boolean;
}

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

const CSRF_KEY = 'patent-ledger.csrf';
const BEARER_KEY = 'patent-ledger.bearer';

export function csrfToken(): string | null {
  return sessionStorage.getItem(CSRF_KEY);
}

/** The access token of a single sign-on (kept for the tab only), used as the bearer credential. */
export function bearerToken(): string | null {
  return sessionStorage.getItem(BEARER_KEY);
}

export function setBearerToken(token: string): void {
  sessionStorage.setItem(BEARER_KEY, token);
}

/** The credential headers of a request: the bearer token, else (cookie session) the CSRF token on writes. */
function authHeaders(write: boolean): Record<string, string> {
  const bearer = bearerToken();
  if (bearer) return { Authorization: `Bearer ${bearer}` };
  const csrf = csrfToken();
  return write && csrf ? { 'X-CSRF-Token': csrf } : {};
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: { code?: string; detail?: string; title?: string; errors?: FieldError[] } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON
  }
  return new ApiError(
    res.status,
    body.code ?? `HTTP.${res.status}`,
    body.detail ?? body.title ?? res.statusText,
    body.errors ?? [],
  );
}

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, {
    headers: { Accept: 'application/json', ...authHeaders(false) },
    credentials: 'same-origin',
  });
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

export async function getBlob(path: string, accept: string): Promise<Blob> {
  const res = await fetch(path, {
    headers: { Accept: accept, ...authHeaders(false) },
    credentials: 'same-origin',
  });
  if (!res.ok) throw await problemOf(res);
  return res.blob();
}

export interface WriteOptions {
  idempotencyKey: string;
  ifMatch?: number;
  contentType?: string;
}

export interface WriteResult<T> {
  status: number;
  body: T;
  replayed: boolean;
  etag: string | null;
}

export async function write<T>(
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body: unknown,
  o: WriteOptions,
): Promise<WriteResult<T>> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': o.contentType ?? 'application/json',
    'Idempotency-Key': o.idempotencyKey,
    ...authHeaders(true),
  };
  if (o.ifMatch !== undefined) headers['If-Match'] = `"${o.ifMatch}"`;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!res.ok) throw await problemOf(res);
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as T,
    replayed: res.headers.get('Idempotent-Replayed') === 'true',
    etag: res.headers.get('ETag'),
  };
}

/** POST /patents/batch: NDJSON in, NDJSON out (one result per line, then a summary). */
export async function postBatch(ndjson: string, idempotencyKey: string): Promise<unknown[]> {
  const headers: Record<string, string> = {
    Accept: 'application/x-ndjson',
    'Content-Type': 'application/x-ndjson',
    'Idempotency-Key': idempotencyKey,
    ...authHeaders(true),
  };
  const res = await fetch('/patents/batch', {
    method: 'POST',
    headers,
    credentials: 'same-origin',
    body: ndjson,
  });
  if (!res.ok) throw await problemOf(res);
  return (await res.text())
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

export async function login(user: string, password: string): Promise<Principal> {
  const res = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ user, password }),
  });
  if (!res.ok) throw await problemOf(res);
  const body = (await res.json()) as { csrfToken: string; principal: Principal };
  sessionStorage.setItem(CSRF_KEY, body.csrfToken);
  return body.principal;
}

export async function logout(): Promise<void> {
  // A provider's token is not the ledger's to revoke: forgetting it signs this tab out.
  const sso = bearerToken() !== null;
  sessionStorage.removeItem(BEARER_KEY);
  if (!sso) {
    await fetch('/auth/logout', {
      method: 'POST',
      headers: authHeaders(true),
      credentials: 'same-origin',
    }).catch(() => undefined);
  }
  sessionStorage.removeItem(CSRF_KEY);
}

export async function me(): Promise<Principal | null> {
  if (!csrfToken() && !bearerToken()) return null;
  try {
    return (await get<{ principal: Principal }>('/auth/me')).principal;
  } catch {
    return null;
  }
}

/** A fresh Idempotency-Key for one form submission. */
export function newKey(prefix: string): string {
  const rnd = crypto.getRandomValues(new Uint8Array(12));
  return `console-${prefix}-${Array.from(rnd, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
