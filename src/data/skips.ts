/** Why files are skipped: the codes and the report entry are part of the contract. */
export type { SkipCode, SkippedFileReport as SkippedFile } from '../contract';
