/**
 * Why a project could not be opened, in words and with what the UI can offer: a damaged
 * project.json offers its backups, a file from a newer app asks for that app.
 */
import { BridgeError } from './bridge-error';
import { describeError } from './errors';

export interface ProjectOpenError {
  dir: string;
  message: string;
  advice: string;
  /** The project.json that failed, when the engine named it. */
  file: string | null;
  /** 'damaged' offers a backup; 'newer' needs a newer app; 'other' is anything else. */
  kind: 'damaged' | 'newer' | 'other';
  backups: Array<{ backup: number; updatedAt: string }>;
}

/** The engine's error opening `dir` as the project notice shows it. */
export function projectOpenError(dir: string, err: unknown): ProjectOpenError {
  const shown = describeError(err);
  const detail = (err instanceof BridgeError ? err.detail : null) as { file?: string; backups?: ProjectOpenError['backups'] } | null;
  const code = err instanceof BridgeError ? err.code : 'internal';
  const kind = code === 'unsupported' ? 'newer' : (code === 'invalid_input' || code === 'not_found') && detail?.file ? 'damaged' : 'other';
  const advice =
    kind === 'newer'
      ? 'Open it with a newer Latent Atlas; this app left the file as it was.'
      : kind === 'damaged' && detail?.backups?.length
        ? 'Restore the newest backup to continue; the damaged file is kept beside it as project.json.damaged.'
        : shown.advice;
  return { dir, message: shown.message, advice, file: detail?.file ?? null, kind, backups: detail?.backups ?? [] };
}
