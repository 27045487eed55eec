import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../../renderer/lib/bridge-error';
import { projectOpenError } from '../../../renderer/lib/project-open-error';

const backups = [{ backup: 1, updatedAt: '2026-11-30T10:00:00.000Z' }];

describe('why a project could not be opened, as the project notice shows it', () => {
  it('offers the newest backup of a damaged project.json', () => {
    const err = new BridgeError({ code: 'invalid_input', message: '/w/p/project.json is not valid JSON', detail: { file: '/w/p/project.json', backups } });
    const shown = projectOpenError('/w/p', err);
    expect(shown).toMatchObject({ dir: '/w/p', kind: 'damaged', file: '/w/p/project.json', backups, message: '/w/p/project.json is not valid JSON' });
    expect(shown.advice).toContain('Restore the newest backup');
  });

  it('gives the generic advice for a damaged file without backups', () => {
    const shown = projectOpenError('/w/p', new BridgeError({ code: 'not_found', message: 'gone', detail: { file: '/w/p/project.json' } }));
    expect(shown.kind).toBe('damaged');
    expect(shown.backups).toEqual([]);
    expect(shown.advice).toBe('Check that the path exists on the machine running the engine.');
  });

  it('asks for a newer app for a file written by one, and leaves other failures as they are', () => {
    expect(projectOpenError('/w/p', new BridgeError({ code: 'unsupported', message: 'schema 9' }))).toMatchObject({
      kind: 'newer',
      advice: 'Open it with a newer Latent Atlas; this app left the file as it was.',
    });
    expect(projectOpenError('/w/p', new BridgeError({ code: 'not_found', message: 'no folder' }))).toMatchObject({ kind: 'other', file: null });
    expect(projectOpenError('/w/p', new Error('socket closed'))).toMatchObject({ kind: 'other', message: 'socket closed' });
  });
});
