// Security headers, computed once by helmet at start and set on every response from a frozen
// object: helmet's own per-request middleware would re-derive identical values each time.
import helmet, { type HelmetOptions } from 'helmet';

export function computeSecurityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as never, res as never, () => {
    finished = true;
  });
  // Every option here is static (no nonce functions), so helmet finishes synchronously.
  if (!finished) throw new Error('helmet did not finish synchronously; a dynamic option was configured');
  return Object.freeze(headers);
}

export function albedoSecurityHeaders(https: boolean): Readonly<Record<string, string>> {
  return computeSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Mantine sets style attributes at run time.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Plain http on a laptop must not pin HSTS; behind TLS (PUBLIC_URL https) it is on.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}

/**
 * The headers of an API response (JSON, downloads): what OWASP's REST Security Cheat Sheet asks
 * for. A page's policy (scripts, styles, images, opener and origin isolation) means nothing for a
 * response that is never rendered as a document, so the API sends a stricter and shorter one:
 * nothing may load, nothing may frame it. Every response carries these bytes, and a client reads
 * them too.
 */
export function apiSecurityHeaders(https: boolean): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    ...(https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  });
}
