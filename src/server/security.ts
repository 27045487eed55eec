/**
 * Web mode's gatekeeping, as pure functions: the random token, the Host check (against DNS
 * rebinding: a foreign name that resolves to 127.0.0.1 must not reach the app) and the
 * Origin check (another site open in the browser must not drive the engine).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Host header values this server answers to: its loopback names (or bound host) and port. */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set<string>();
  const loopback = boundHost === '127.0.0.1' || boundHost === 'localhost' || boundHost === '::1';
  if (loopback) ['127.0.0.1', 'localhost', '[::1]'].forEach((h) => names.add(h));
  else names.add(boundHost.includes(':') ? `[${boundHost}]` : boundHost);
  return new Set([...names].map((h) => `${h}:${port}`));
}

export function hostAllowed(hostHeader: string | undefined, allowed: Set<string>): boolean {
  return !!hostHeader && allowed.has(hostHeader.toLowerCase());
}

/** A WebSocket Origin must be this server itself (browsers always send one). */
export function originAllowed(origin: string | undefined, allowed: Set<string>): boolean {
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && allowed.has(url.host.toLowerCase());
}

/** A request header the server cannot read: answered with 400, never a crash. */
export class MalformedHeaderError extends Error {
  constructor(readonly header: string) {
    super(`Bad request: the ${header} header is malformed.`);
  }
}

/**
 * The name of the token cookie for a server on `port`. Browsers send a 127.0.0.1 cookie to
 * every port, so each server has its own name: another local app cannot overwrite ours.
 */
export const tokenCookieName = (port: number) => `latent_atlas_token_${port}`;

/** Read one cookie from a Cookie header; a value that is not valid percent-encoding throws MalformedHeaderError. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      throw new MalformedHeaderError('Cookie');
    }
  }
  return undefined;
}

/** A request URL relative to this server, or null when it cannot be parsed. */
export function parseRequestUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://local');
  } catch {
    return null;
  }
}

/** The same policy the Electron window gets; web mode sends it as a header. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
