/**
 * Loss charts with uPlot: one chart per quantity (recon, KL, ELBO), train per step and
 * validation per epoch on the same step axis. Colours come from the page's CSS variables so
 * the charts follow the light or dark theme.
 */
import uPlot from 'uplot';

export interface LossChart {
  setData(x: number[], train: (number | null)[], val: (number | null)[]): void;
  resize(width: number): void;
  destroy(): void;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export function createLossChart(container: HTMLElement, options: { title: string; unit: string; width: number; height: number; valOnly?: boolean }): LossChart {
  const text = cssVar('--muted', '#9aa1ad');
  const grid = cssVar('--border', '#2c313b');
  const axis: uPlot.Axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
  const plot = new uPlot(
    {
      title: options.title,
      width: options.width,
      height: options.height,
      legend: { show: true, live: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: 'step', labelSize: 14, labelFont: '11px system-ui, sans-serif' },
        { ...axis, size: 48, values: (_u, ticks) => ticks.map((v) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(+v.toPrecision(3)))) },
      ],
      series: [
        { label: 'step' },
        // A validation-only quantity (PSNR) has no train line.
        ...(options.valOnly ? [] : [{ label: `train ${options.unit}`, stroke: cssVar('--accent', '#6aa9ff'), width: 1.5, spanGaps: true, points: { show: false } }]),
        { label: `val ${options.unit}`, stroke: cssVar('--warn', '#f0a44b'), width: 2, spanGaps: true, points: { show: true, size: 6 } },
      ],
    },
    options.valOnly ? [[], []] : [[], [], []],
    container,
  );
  return {
    setData(x, train, val) {
      plot.setData((options.valOnly ? [x, val] : [x, train, val]) as uPlot.AlignedData);
    },
    resize(width) {
      plot.setSize({ width, height: options.height });
    },
    destroy() {
      plot.destroy();
    },
  };
}
