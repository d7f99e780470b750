/**
 * The dashboard's charts as data: every position and size worked out here, the SVG written by
 * views/_charts.njk with autoescaping, so no text reaches the page unescaped. Every value is also
 * written as text, and series differ by pattern and marker shape as well as colour, so they read
 * without colour and without JavaScript.
 */

/** Fills by name: solid, hatched, dotted; the patterns' ids are local to each chart. */
export type Fill = 'solid' | 'hatched' | 'dotted';

const colours: Record<Fill, string> = { solid: '#2456c7', hatched: '#b3261e', dotted: '#6b7280' };

const fillOf = (id: string, fill: Fill) => (fill === 'solid' ? colours.solid : `url(#${id}-${fill})`);

export interface Bar {
  label: string;
  value: number;
  fill?: Fill;
}

/** One bar's row: its label, the bar, its count after the bar. */
export interface BarRow {
  label: string;
  value: number;
  labelX: number;
  textY: number;
  rect: { x: number; y: number; width: number; height: number; fill: string; stroke: string };
  valueX: number;
}

export interface BarChart {
  kind: 'bar';
  id: string;
  /** the chart's accessible name: its title and every value */
  title: string;
  width: number;
  height: number;
  patterns: { hatched: string; dotted: string };
  rows: BarRow[];
}

const barWidth = 480;
const labelWidth = 190;
const rowHeight = 26;
const longestLabel = 30;

const shortened = (label: string) => (label.length > longestLabel ? `${label.slice(0, longestLabel - 1)}…` : label);

/** Horizontal bars, one a row: the label on the left, the count written after the bar. */
export function barChart(id: string, title: string, bars: Bar[]): BarChart {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const room = barWidth - labelWidth - 50;
  const rows = bars.map((bar, i): BarRow => {
    const y = 4 + i * rowHeight;
    const width = Math.max(Math.round((bar.value / max) * room), 1);
    const fill = bar.fill ?? 'solid';
    return {
      label: shortened(bar.label),
      value: bar.value,
      labelX: labelWidth - 8,
      textY: y + 16,
      rect: { x: labelWidth, y: y + 3, width, height: rowHeight - 8, fill: fillOf(id, fill), stroke: colours[fill] },
      valueX: labelWidth + width + 6,
    };
  });
  return {
    kind: 'bar',
    id,
    title: `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ') || 'nothing'}`,
    width: barWidth,
    height: Math.max(1, bars.length) * rowHeight + 8,
    patterns: { hatched: colours.hatched, dotted: colours.dotted },
    rows,
  };
}

export interface Series {
  name: string;
  values: number[];
  /** a marker shape per series, so lines differ without colour */
  marker: 'circle' | 'square' | 'triangle';
  dashed?: boolean;
}

/** A marker drawn at a point, in the shape of its series. */
export type Marker =
  | { shape: 'circle'; cx: number; cy: number; colour: string }
  | { shape: 'square'; x: number; y: number; colour: string }
  | { shape: 'triangle'; d: string; colour: string };

const markerAt = (shape: Series['marker'], x: number, y: number, colour: string): Marker => {
  if (shape === 'square') return { shape, x: x - 3.5, y: y - 3.5, colour };
  if (shape === 'triangle') return { shape, d: `M${x} ${y - 4.5}L${x + 4.5} ${y + 3.5}L${x - 4.5} ${y + 3.5}Z`, colour };
  return { shape, cx: x, cy: y, colour };
};

export interface LineChart {
  kind: 'line';
  id: string;
  /** the chart's accessible name: its title and each series' total */
  title: string;
  width: number;
  height: number;
  /** the plot's corners: the axes run along its left and bottom edges */
  plot: { left: number; top: number; right: number; bottom: number };
  /** the y axis's top value (its bottom is 0) */
  max: number;
  /** where the y axis's two values are written */
  scale: { x: number; topY: number; bottomY: number };
  legend: { marker: Marker; x: number; text: string }[];
  xLabels: { x: number; y: number; text: string }[];
  lines: { points: string; colour: string; dashed: boolean; markers: Marker[] }[];
}

const lineColours = ['#2456c7', '#b3261e', '#6b7280'];
const colourOf = (n: number) => lineColours[n % lineColours.length] ?? '#6b7280';
const totalOf = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Lines over time: y axis with its scale, x labels at a few buckets, a legend that names each marker. */
export function lineChart(id: string, title: string, labels: string[], series: Series[]): LineChart {
  const width = 480;
  const height = 220;
  const left = 36;
  const right = 12;
  const top = 28;
  const bottom = 40;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (labels.length <= 1 ? plotW / 2 : (i / (labels.length - 1)) * plotW);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  // at most six or so labels along the x axis, so they never overlap
  const every = Math.max(1, Math.ceil(labels.length / 6));
  return {
    kind: 'line',
    id,
    title: `${title}: ${series.map((s) => `${s.name} ${totalOf(s.values)}`).join(', ')}`,
    width,
    height,
    plot: { left, top, right: width - right, bottom: top + plotH },
    max,
    scale: { x: left - 6, topY: top + 4, bottomY: top + plotH },
    legend: series.map((s, n) => ({
      marker: markerAt(s.marker, left + n * 150 + 5, 12, colourOf(n)),
      x: left + n * 150 + 14,
      text: `${s.name} (${totalOf(s.values)})`,
    })),
    xLabels: labels.flatMap((text, i) => (i % every === 0 ? [{ x: x(i), y: height - bottom + 16, text }] : [])),
    lines: series.map((s, n) => ({
      points: s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
      colour: colourOf(n),
      dashed: s.dashed ?? false,
      markers: s.values.map((v, i) => markerAt(s.marker, x(i), y(v), colourOf(n))),
    })),
  };
}
