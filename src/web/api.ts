// The web app's HTTP client: same-origin fetch that turns the server's error envelope into an Error.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  const body = (await res.json().catch(() => null)) as T & {
    error?: { code: string; message: string };
    requestId?: string;
  };
  if (!res.ok && body?.error) throw new ApiError(res.status, body.error.code, body.error.message, body.requestId);
  return { status: res.status, body };
}
