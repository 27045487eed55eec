import { describe, expect, it } from 'vitest';
import { allowedHosts, hostAllowed, newToken, originAllowed, readCookie, tokenMatches } from '../../../src/server/security';
import { resolveStatic } from '../../../src/server/static-files';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('web mode security checks', () => {
  it('makes long random tokens and compares them exactly', () => {
    const a = newToken();
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(newToken()).not.toBe(a);
    expect(tokenMatches(a, a)).toBe(true);
    expect(tokenMatches(a, a.slice(1))).toBe(false);
    expect(tokenMatches(a, '')).toBe(false);
    expect(tokenMatches(a, null)).toBe(false);
  });

  it('accepts loopback Host headers on its own port only (DNS rebinding)', () => {
    const allowed = allowedHosts('127.0.0.1', 4321);
    expect(hostAllowed('127.0.0.1:4321', allowed)).toBe(true);
    expect(hostAllowed('localhost:4321', allowed)).toBe(true);
    expect(hostAllowed('LOCALHOST:4321', allowed)).toBe(true);
    expect(hostAllowed('evil.example:4321', allowed)).toBe(false);
    expect(hostAllowed('127.0.0.1:80', allowed)).toBe(false);
    expect(hostAllowed(undefined, allowed)).toBe(false);
  });

  it('accepts only its own http origin for sockets', () => {
    const allowed = allowedHosts('127.0.0.1', 4321);
    expect(originAllowed('http://127.0.0.1:4321', allowed)).toBe(true);
    expect(originAllowed('http://localhost:4321', allowed)).toBe(true);
    expect(originAllowed('https://evil.example', allowed)).toBe(false);
    expect(originAllowed('http://127.0.0.1:9999', allowed)).toBe(false);
    expect(originAllowed('null', allowed)).toBe(false);
    expect(originAllowed(undefined, allowed)).toBe(false);
  });

  it('reads one cookie among several', () => {
    expect(readCookie('a=1; latent_atlas_token=x%2By; b=2', 'latent_atlas_token')).toBe('x+y');
    expect(readCookie(undefined, 'a')).toBeUndefined();
  });

  it('never serves a file outside the renderer folder', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'atlas-static-'));
    writeFileSync(path.join(root, 'index.html'), '<p>hi</p>');
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'assets', 'a.js'), '1');
    writeFileSync(path.join(path.dirname(root), 'secret.txt'), 'no');
    expect((await resolveStatic(root, '/'))?.mime).toContain('text/html');
    expect((await resolveStatic(root, '/assets/a.js'))?.mime).toContain('javascript');
    expect(await resolveStatic(root, '/../secret.txt')).toBeNull();
    expect(await resolveStatic(root, '/%2e%2e/secret.txt')).toBeNull();
    expect(await resolveStatic(root, '/assets')).toBeNull();
    expect(await resolveStatic(root, '/%E0%A4%A')).toBeNull();
  });
});
