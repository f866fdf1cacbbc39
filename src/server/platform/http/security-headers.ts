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
