/**
 * The import options the Dataset panel edits, starting from the contract's defaults
 * (IMPORT_DEFAULTS), checked against its limits, and their translation to the payload.
 */
import { describeLimit, type IMPORT_CHOICES, IMPORT_DEFAULTS, IMPORT_LIMITS, withinLimit, type ImageSize, type ImportOptionsIn } from '../../src/contract';

type Choice<K extends keyof typeof IMPORT_CHOICES> = (typeof IMPORT_CHOICES)[K][number];

export interface ImportForm {
  size: ImageSize;
  channels: Choice<'channels'>;
  fit: Choice<'fit'>;
  resampling: Choice<'resampling'>;
  labels: Choice<'labels'>;
  /** GIF/APNG/WebP animations: the first frame, or every frame as its own image. */
  frames: Choice<'frames'>;
  /** The validation share in per cent (the contract's valFraction x 100). */
  valPercent: number;
  dedupe: boolean;
  include: string;
  exclude: string;
  /** Empty means no limit. */
  maxImages: string;
}

const D = IMPORT_DEFAULTS;

export const DEFAULT_IMPORT_FORM: ImportForm = {
  size: D.size,
  channels: D.channels,
  fit: D.fit,
  resampling: D.resampling,
  labels: D.labels,
  frames: D.frames,
  valPercent: D.valFraction * 100,
  dedupe: D.dedupe,
  include: D.include.join(', '),
  exclude: D.exclude.join(', '),
  maxImages: D.maxImages === null ? '' : String(D.maxImages),
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
  const { maxImages: maxLimit, valFraction: valLimit } = IMPORT_LIMITS;
  if (maxImages !== null && !withinLimit(maxImages, maxLimit)) return { ok: false, error: `Max images must be ${describeLimit(maxLimit)} (or empty for no limit); got "${max}".` };
  if (!withinLimit(form.valPercent / 100, valLimit)) return { ok: false, error: `Validation split must be between ${valLimit.min * 100} and ${valLimit.max * 100} %; got ${form.valPercent}.` };
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
