/**
 * Charts as server-rendered SVG: every value is also written as text, and series differ by
 * pattern and marker shape as well as colour, so they read without colour and without
 * JavaScript. Only presentation attributes, never style attributes (the CSP forbids inline styles).
 */

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Fills by name: solid, hatched, dotted; the patterns' ids are local to each chart. */
const fills = ['solid', 'hatched', 'dotted'] as const;
export type Fill = (typeof fills)[number];

const colours: Record<Fill, string> = { solid: '#2456c7', hatched: '#b3261e', dotted: '#6b7280' };

function patternDefs(id: string) {
  return `<defs>
<pattern id="${id}-hatched" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="${colours.hatched}"/></pattern>
<pattern id="${id}-dotted" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.6" fill="${colours.dotted}"/></pattern>
</defs>`;
}

const fillOf = (id: string, fill: Fill) => (fill === 'solid' ? colours.solid : `url(#${id}-${fill})`);

export interface Bar {
  label: string;
  value: number;
  fill?: Fill;
}

/** Horizontal bars, one a row: the label on the left, the count written after the bar. */
export function barChart(id: string, title: string, bars: Bar[]): string {
  const width = 480;
  const labelWidth = 190;
  const row = 26;
  const height = Math.max(1, bars.length) * row + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const room = width - labelWidth - 50;
  const rows = bars.length
    ? bars
        .map((bar, i) => {
          const y = 4 + i * row;
          const w = Math.round((bar.value / max) * room);
          const fill = bar.fill ?? 'solid';
          return `<g><text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end" font-size="12" fill="currentColor">${esc(bar.label.length > 30 ? `${bar.label.slice(0, 29)}…` : bar.label)}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(w, 1)}" height="${row - 8}" fill="${fillOf(id, fill)}" stroke="${colours[fill]}"/>
<text x="${labelWidth + Math.max(w, 1) + 6}" y="${y + 16}" font-size="12" fill="currentColor">${bar.value}</text></g>`;
        })
        .join('\n')
    : `<text x="8" y="20" font-size="12" fill="currentColor">Nothing in this range.</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title">
<title id="${id}-title">${esc(title)}: ${esc(bars.map((b) => `${b.label} ${b.value}`).join(', ') || 'nothing')}</title>
${patternDefs(id)}
${rows}
</svg>`;
}

export interface Series {
  name: string;
  values: number[];
  /** a marker shape per series, so lines differ without colour */
  marker: 'circle' | 'square' | 'triangle';
  dashed?: boolean;
}

const markerAt = (shape: Series['marker'], x: number, y: number, colour: string) => {
  if (shape === 'square') return `<rect x="${x - 3.5}" y="${y - 3.5}" width="7" height="7" fill="${colour}"/>`;
  if (shape === 'triangle') return `<path d="M${x} ${y - 4.5}L${x + 4.5} ${y + 3.5}L${x - 4.5} ${y + 3.5}Z" fill="${colour}"/>`;
  return `<circle cx="${x}" cy="${y}" r="3.5" fill="${colour}"/>`;
};

const lineColours = ['#2456c7', '#b3261e', '#6b7280'];

/** Lines over time: y axis with its scale, x labels at a few buckets, a legend that names each marker. */
export function lineChart(id: string, title: string, labels: string[], series: Series[]): string {
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
  const every = Math.max(1, Math.ceil(labels.length / 6));
  const xLabels = labels
    .map((label, i) =>
      i % every === 0 ? `<text x="${x(i)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11" fill="currentColor">${esc(label)}</text>` : '',
    )
    .join('');
  const lines = series
    .map((s, n) => {
      const colour = lineColours[n % lineColours.length]!;
      const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const markers = s.values.map((v, i) => markerAt(s.marker, x(i), y(v), colour)).join('');
      return `<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>${markers}`;
    })
    .join('\n');
  const legend = series
    .map((s, n) => {
      const lx = left + n * 150;
      const total = s.values.reduce((a, b) => a + b, 0);
      return `${markerAt(s.marker, lx + 5, 12, lineColours[n % lineColours.length]!)}<text x="${lx + 14}" y="16" font-size="12" fill="currentColor">${esc(s.name)} (${total})</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title">
<title id="${id}-title">${esc(title)}: ${esc(series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + b, 0)}`).join(', '))}</title>
${legend}
<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="currentColor" stroke-opacity="0.4"/>
<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="currentColor" stroke-opacity="0.4"/>
<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11" fill="currentColor">${max}</text>
<text x="${left - 6}" y="${top + plotH}" text-anchor="end" font-size="11" fill="currentColor">0</text>
${xLabels}
${lines}
</svg>`;
}
