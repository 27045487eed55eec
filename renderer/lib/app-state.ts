/**
 * What the whole window shares, as the stores see it: the open panel, the engine's folders,
 * the current dataset, the trained run, the selected image and the help overlay. The state
 * itself lives in the session (session.svelte.ts), which implements AppState; the stores
 * take this narrow interface, so they do not depend on the session that constructs them.
 */
import type { AppPaths, DatasetSummary, TrainRunReport } from '../../src/contract';

export type PanelId = 'dataset' | 'train' | 'explore' | 'interpolate' | 'generate' | 'export';

export interface PanelSpec {
  id: PanelId;
  label: string;
  /** The digit that opens it. */
  key: string;
  /** Part 2 panels: disabled until there is a trained run. */
  needsModel: boolean;
}

export const PANELS: readonly PanelSpec[] = [
  { id: 'dataset', label: 'Dataset', key: '1', needsModel: false },
  { id: 'train', label: 'Train', key: '2', needsModel: false },
  { id: 'explore', label: 'Explore', key: '3', needsModel: true },
  { id: 'interpolate', label: 'Interpolate', key: '4', needsModel: true },
  { id: 'generate', label: 'Generate', key: '5', needsModel: true },
  { id: 'export', label: 'Export', key: '6', needsModel: true },
];

export interface TrainedRun {
  runDir: string;
  dataset: string;
  report: TrainRunReport;
}

export interface AppState {
  panel: PanelId;
  paths: AppPaths | null;
  pathsError: string | null;
  dataset: DatasetSummary | null;
  trainedRun: TrainedRun | null;
  /** Index of the image shown in the inspector. */
  selected: number | null;
  helpOpen: boolean;
  /** Set to ask the Dataset panel to open its folder chooser (Ctrl/Cmd+O); it clears it. */
  importRequested: boolean;
  /** True once the first-run card was dismissed or used. */
  firstRunDone: boolean;
}

export function panelEnabled(state: AppState, panel: PanelSpec): boolean {
  return !panel.needsModel || state.trainedRun !== null;
}
