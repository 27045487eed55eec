/** The image import library: folder walk, decode/resize with sharp, the uint8 dataset store. */
export { importImages, type ImportSource, type ImportRequest, type ImportResult, type ImportProgress } from './import';
export {
  resolveImportOptions,
  DEFAULT_IMPORT_OPTIONS,
  IMAGE_SIZES,
  type ImportOptions,
  type ResolvedImportOptions,
  type ImageSize,
  type ChannelsOption,
  type FitOption,
  type ResamplingOption,
  type FramesOption,
  type LabelsOption,
} from './options';
export type { SkipCode, SkippedFile } from './skips';
export {
  openDataset,
  writeDataset,
  createDatasetWriter,
  thumbnailPng,
  DATASET_SCHEMA_VERSION,
  type Dataset,
  type DatasetIndex,
  type DatasetItem,
  type DatasetMeta,
  type DatasetWriter,
  type Channels,
  type Split,
} from './store';
export { sniffFormat, type ImageFormat } from './sniff';
export { decodedFileCount } from './decode';
