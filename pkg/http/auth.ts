import { createHash, timingSafeEqual } from 'crypto';

/** Digests of equal length, so the comparison takes the same time whatever the token's length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Does an `Authorization` header carry `Bearer <token>`? Compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(.+)$/i.exec((header ?? '').trim());
  const given = match ? match[1].trim() : '';
  // Always compare, even without a header, so a missing token takes as long as a wrong one.
  const equal = timingSafeEqual(digest(given), digest(token));
  return match !== null && equal;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Is this address only reachable from the machine itself? */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Why binding `host` without a token is refused, or undefined when it is fine: anyone who can reach a
 * non-loopback address could read every log line, so that needs a token or an explicit opt-out.
 */
export function exposureProblem(host: string, token: string | undefined, insecureNoToken = false): string | undefined {
  if (token || insecureNoToken || isLoopback(host)) {
    return undefined;
  }
  return (
    `refusing to serve on ${host} without a token: anyone who reaches it could read the logs; ` +
    `set a token (--token or INFERENCE_LOGS_TOKEN), or pass --insecure-no-token to serve them to anyone anyway`
  );
}

/**
 * The host name of a `Host` header, without its port. A proxy bound to loopback without a token
 * answers only to loopback names, so a web page cannot reach it through DNS rebinding.
 */
export function hostName(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? value : value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}
