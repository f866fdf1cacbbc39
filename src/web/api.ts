// The web app's HTTP client. The access token lives in memory only; the refresh token is an
// httpOnly cookie the browser sends to /api/v1/auth. A 401 triggers one refresh and a retry.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
    readonly requestId?: string,
    /** The error's details as sent (e.g. the current record of a 409). */
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** Field errors keyed by the body field name (`body.email` → `email`), for forms. */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries(this.fields.map((f) => [f.field.replace(/^(body|querystring|params)\./, ''), f.message]));
  }
}

export interface SignedIn {
  user: { id: string; email: string; name: string; emailVerified: boolean };
  workspace: { id: string; name: string };
  accessToken: string;
  accessTokenExpiresIn: number;
}

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

export function setAccessToken(token: string | null): void {
  accessToken = token;
  for (const l of listeners) l(token !== null);
}

/** The current access token, for a WebSocket's first frame (sockets cannot send headers). */
export function currentAccessToken(): string | null {
  return accessToken;
}

export function onAuthChange(listener: (signedIn: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function parse(res: Response): Promise<unknown> {
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

function toError(res: Response, body: unknown): ApiError {
  const b = body as {
    error?: { code: string; message: string; details?: { fields?: Array<{ field: string; message: string }> } };
    requestId?: string;
  } | null;
  if (b?.error)
    return new ApiError(
      res.status,
      b.error.code,
      b.error.message,
      b.error.details?.fields ?? [],
      b.requestId,
      b.error.details,
    );
  return new ApiError(res.status, 'UNKNOWN', `The server answered ${res.status}`);
}

/** Exchanges the refresh cookie for a new access token; shared by concurrent callers. */
/** Set by the server beside the httpOnly refresh cookie (it holds no secret): a session may exist. */
const mayHaveSession = () => document.cookie.split(/;\s*/).some((c) => c.startsWith('albedo_session='));

export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    // Without the hint there is no refresh cookie: asking would only be a 401 in the console.
    if (!mayHaveSession()) {
      setAccessToken(null);
      return false;
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'x-albedo-client': 'web' },
      });
      if (res.ok) {
        const body = (await res.json()) as { data: SignedIn };
        setAccessToken(body.data.accessToken);
        return true;
      }
      // Another tab refreshed at the same moment and now holds the new cookie: try again shortly.
      if (res.status === 409) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      break;
    }
    setAccessToken(null);
    return false;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export async function api<T = unknown>(
  path: string,
  options: { method?: string; body?: unknown; auth?: boolean } = {},
): Promise<T> {
  const send = () =>
    fetch(path, {
      method: options.method ?? 'GET',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        'x-albedo-client': 'web',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.auth !== false && accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  let res = await send();
  if (res.status === 401 && options.auth !== false && (await refreshSession())) res = await send();
  const body = await parse(res);
  if (!res.ok) throw toError(res, body);
  return body as T;
}

/** fetch with the session's token and one refresh on 401: for clients that do their own fetching (the chat). */
export const authedFetch: typeof fetch = async (input, init = {}) => {
  const send = () => {
    const headers = new Headers(init.headers);
    headers.set('x-albedo-client', 'web');
    if (accessToken) headers.set('authorization', `Bearer ${accessToken}`);
    return fetch(input, { ...init, headers, credentials: 'same-origin' });
  };
  let res = await send();
  if (res.status === 401 && (await refreshSession())) res = await send();
  if (!res.ok) throw toError(res, await parse(res));
  return res;
};

/** Fetches a file with the session's token and hands it to the browser as a download. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const send = () => fetch(path, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
  let res = await send();
  if (res.status === 401 && (await refreshSession())) res = await send();
  if (!res.ok) throw toError(res, await parse(res));
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  return { status: res.status, body: (await parse(res)) as T };
}

/** Posts a multipart form (file uploads) with the session's token. */
export async function upload<T = unknown>(path: string, form: FormData): Promise<T> {
  const send = () =>
    fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        'x-albedo-client': 'web',
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      body: form,
    });
  let res = await send();
  if (res.status === 401 && (await refreshSession())) res = await send();
  const body = await parse(res);
  if (!res.ok) throw toError(res, body);
  return body as T;
}
