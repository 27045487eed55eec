/**
 * CLI conventions (architecture.md): progress on stderr (a bar on a TTY, plain lines
 * otherwise), with --json exactly one JSON object on stdout, exit 0 on success and a
 * one-line message with a non-zero code on failure.
 */
import { AtlasError } from '../errors';
import type { ProgressEvent } from '../contract';

/** A usage error: exit 2 and one line pointing at the command's --help (command set by the parser or main). */
export class CliUsageError extends Error {
  command?: string;
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text that names files (paths, names, messages that quote them) as the terminal should show
 * it: control characters (newline, carriage return, ESC, C1 codes) and bidirectional overrides
 * are spelled out (\n, \x1b, \u202e), so a file name can neither forge a line of output
 * nor drive the terminal. Every line the CLI prints about files goes through this.
 */
export function shown(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return ESCAPES[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** The user interrupted the command (Ctrl+C): exit 130, as a shell does for SIGINT. */
export class CliInterrupted extends Error {}

/** A command's result with an exit code other than 0 (e.g. 130 after Ctrl+C stopped a run cleanly). */
export class CliExit {
  constructor(
    readonly result: unknown,
    readonly exitCode: number,
  ) {}
}

export function withExitCode<T>(exitCode: number, result: T): T | CliExit {
  return exitCode === 0 ? result : new CliExit(result, exitCode);
}

/**
 * The part of a contract progress event a terminal line shows. Its phase is free text: the CLI
 * labels its own steps ("epoch 3/10", "umap neighbours"), not only the engine's phases.
 */
export type ProgressLine = Pick<ProgressEvent, 'done' | 'total' | 'rate' | 'etaSeconds' | 'message'> & { phase: string };

export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: ProgressLine) => void {
  let lastPlain = 0;
  return (p) => {
    const pct = p.total ? Math.min(100, (100 * p.done) / p.total) : null;
    const rate = p.rate !== undefined ? ` ${p.rate.toFixed(1)}/s` : '';
    const eta = p.etaSeconds !== undefined ? ` ETA ${formatSeconds(p.etaSeconds)}` : '';
    const counts = p.total ? `${p.done}/${p.total}` : `${p.done}`;
    const tail = p.message ? ` ${shown(p.message)}` : '';
    const phase = shown(p.phase);
    if (stream.isTTY) {
      const width = 24;
      const filled = pct === null ? 0 : Math.round((pct / 100) * width);
      const bar = pct === null ? '' : `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}% `;
      stream.write(`\r\x1b[K${phase} ${bar}${counts}${rate}${eta}${tail}`);
    } else {
      // Plain lines at most twice a second, so logs stay readable.
      const now = Date.now();
      if (now - lastPlain < 500 && p.total !== p.done) return;
      lastPlain = now;
      stream.write(`${phase} ${counts}${pct === null ? '' : ` (${pct.toFixed(0)}%)`}${rate}${eta}${tail}\n`);
    }
  };
}

export function endProgress(stream: NodeJS.WriteStream = process.stderr): void {
  if (stream.isTTY) stream.write('\n');
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The one-line message printed on failure (the paths it names cannot break the line). */
/**
 * A refusal to replace existing files (export, selection CSV): the engine says "allow
 * overwriting" for the UI's checkbox; on the command line that is the --overwrite flag, and the
 * refusal is a usage error (exit 2), not a failure.
 */
export function isOverwriteRefusal(err: unknown): boolean {
  return err instanceof AtlasError && Array.isArray((err.detail as { existing?: unknown } | undefined)?.existing);
}

export function failureLine(err: unknown): string {
  if (err instanceof CliUsageError) return `latent-atlas: ${shown(err.message)} (see latent-atlas ${err.command ? `${err.command} ` : ''}--help)`;
  if (isOverwriteRefusal(err)) return `latent-atlas: ${shown((err as AtlasError).message)} Pass --overwrite to replace them.`;
  if (err instanceof AtlasError) return `latent-atlas: ${shown(err.message)}`;
  if (err instanceof Error) return `latent-atlas: ${shown(err.message)}`;
  return `latent-atlas: ${shown(String(err))}`;
}
