/**
 * The import options the Dataset panel edits, with the engine's defaults
 * (src/data/options.ts), and their translation to the contract's payload.
 */
import type { ImportOptionsIn } from '../../src/contract';

export interface ImportForm {
  size: 16 | 24 | 32 | 48 | 64;
  channels: 'auto' | 'gray' | 'rgb' | 'rgba';
  fit: 'contain' | 'cover' | 'stretch';
  resampling: 'nearest' | 'lanczos';
  labels: 'folder' | 'none';
  /** GIF/APNG/WebP animations: the first frame, or every frame as its own image. */
  frames: 'first' | 'all';
  valPercent: number;
  dedupe: boolean;
  include: string;
  exclude: string;
  /** Empty means no limit. */
  maxImages: string;
}

export const DEFAULT_IMPORT_FORM: ImportForm = {
  size: 32,
  channels: 'auto',
  fit: 'contain',
  resampling: 'lanczos',
  labels: 'folder',
  frames: 'first',
  valPercent: 10,
  dedupe: true,
  include: '',
  exclude: '',
  maxImages: '',
};

const globs = (text: string) =>
  text
    .split(/[\n,]/)
    .map((g) => g.trim())
    .filter(Boolean);

/** The payload's options, or an error sentence for the first bad field. */
export function toImportOptions(form: ImportForm): { ok: true; options: ImportOptionsIn } | { ok: false; error: string } {
  const max = form.maxImages.trim();
  const maxImages = max === '' ? null : Number(max);
  if (maxImages !== null && !(Number.isInteger(maxImages) && maxImages > 0)) return { ok: false, error: `Max images must be a whole number above 0 (or empty for no limit); got "${max}".` };
  if (!(form.valPercent >= 0 && form.valPercent <= 50)) return { ok: false, error: `Validation split must be between 0 and 50 %; got ${form.valPercent}.` };
  return {
    ok: true,
    options: {
      size: form.size,
      channels: form.channels,
      fit: form.fit,
      resampling: form.resampling,
      labels: form.labels,
      frames: form.frames,
      valFraction: form.valPercent / 100,
      dedupe: form.dedupe,
      include: globs(form.include),
      exclude: globs(form.exclude),
      maxImages,
    },
  };
}
