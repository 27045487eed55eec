import { protocol, net } from 'electron';
import { pathToFileURL } from 'node:url';
import { resolveStatic } from '../src/server/static-files';
import { CONTENT_SECURITY_POLICY } from '../src/server/security';

/** Must run before app 'ready': app:// behaves like https (secure, standard, fetch allowed). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serve the built renderer from app://latent-atlas/, with the strict CSP on every response. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const found = url.host === 'latent-atlas' ? await resolveStatic(rendererDir, url.pathname) : null;
    if (!found) return new Response('Not found', { status: 404 });
    const file = await net.fetch(pathToFileURL(found.file).toString());
    return new Response(file.body, {
      status: 200,
      headers: { 'content-type': found.mime, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' },
    });
  });
}
