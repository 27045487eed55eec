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

/** Read one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
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
