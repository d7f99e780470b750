import { type Bar, barChart, lineChart, type Series } from '../src/admin_console/charts.ts';
import { createPages } from '../src/http/pages.ts';

// The dashboard's charts as tables of data, then drawn by the app's own renderer: no server, milliseconds.

describe('bar charts', () => {
  // 480 wide, labels in the first 190, 50 kept for the count: a bar is at most 240 long
  test.each<[string, Bar[], { widths: number[]; height: number; title: string }]>([
    ['nothing', [], { widths: [], height: 34, title: 'T: nothing' }],
    ['one bar, the longest', [{ label: 'a', value: 3 }], { widths: [240], height: 34, title: 'T: a 3' }],
    [
      'bars scaled to the largest',
      [
        { label: 'a', value: 10 },
        { label: 'b', value: 5 },
        { label: 'c', value: 1 },
      ],
      { widths: [240, 120, 24], height: 86, title: 'T: a 10, b 5, c 1' },
    ],
    ['a zero still shows a sliver', [{ label: 'a', value: 0 }], { widths: [1], height: 34, title: 'T: a 0' }],
    [
      'all zeros are not divided by zero',
      [
        { label: 'a', value: 0 },
        { label: 'b', value: 0 },
      ],
      { widths: [1, 1], height: 60, title: 'T: a 0, b 0' },
    ],
    ['a value under 1 is scaled against 1', [{ label: 'a', value: 0.5 }], { widths: [120], height: 34, title: 'T: a 0.5' }],
  ])('%s', (_, bars, expected) => {
    const chart = barChart('chart-t', 'T', bars);
    expect({ widths: chart.rows.map((r) => r.rect.width), height: chart.height, title: chart.title }).toEqual(expected);
  });

  test('each row: its label right-aligned before the bar, its count just after it, a row of 26 apart', () => {
    const chart = barChart('chart-t', 'T', [
      { label: 'first', value: 4 },
      { label: 'second', value: 2 },
    ]);
    expect(chart.rows).toEqual([
      { label: 'first', value: 4, labelX: 182, textY: 20, rect: { x: 190, y: 7, width: 240, height: 18, fill: '#2456c7', stroke: '#2456c7' }, valueX: 436 },
      { label: 'second', value: 2, labelX: 182, textY: 46, rect: { x: 190, y: 33, width: 120, height: 18, fill: '#2456c7', stroke: '#2456c7' }, valueX: 316 },
    ]);
  });

  test.each([
    ['solid', undefined, '#2456c7', '#2456c7'],
    ['hatched', 'hatched', 'url(#chart-t-hatched)', '#b3261e'],
    ['dotted', 'dotted', 'url(#chart-t-dotted)', '#6b7280'],
  ] as const)('a %s bar is filled by its pattern and outlined in its colour', (_, fill, expectedFill, stroke) => {
    expect(barChart('chart-t', 'T', [{ label: 'a', value: 1, fill }]).rows[0]!.rect).toMatchObject({ fill: expectedFill, stroke });
  });

  test.each([
    ['30 characters are kept', 'x'.repeat(30), 'x'.repeat(30)],
    ['31 are cut to 29 and an ellipsis', 'x'.repeat(31), `${'x'.repeat(29)}…`],
  ])('labels: %s (the title keeps them whole)', (_, label, shown) => {
    const chart = barChart('chart-t', 'T', [{ label, value: 1 }]);
    expect([chart.rows[0]!.label, chart.title]).toEqual([shown, `T: ${label} 1`]);
  });
});

describe('line charts', () => {
  const accepted = (values: number[]): Series => ({ name: 'accepted', values, marker: 'circle' });

  test.each<[string, string[], Series[], { max: number; xs: number[]; points: string[]; title: string }]>([
    ['no buckets', [], [accepted([])], { max: 1, xs: [], points: [''], title: 'T: accepted 0' }],
    // one bucket sits in the middle of the plot (36 + 432 / 2)
    ['one bucket', ['a'], [accepted([4])], { max: 4, xs: [252], points: ['252.0,28.0'], title: 'T: accepted 4' }],
    ['zeros keep a scale of 1', ['a', 'b'], [accepted([0, 0])], { max: 1, xs: [36, 468], points: ['36.0,180.0 468.0,180.0'], title: 'T: accepted 0' }],
    [
      'the scale is the largest value of any series',
      ['a', 'b', 'c'],
      [accepted([1, 2, 0]), { name: 'refused', values: [0, 4, 0], marker: 'square', dashed: true }],
      { max: 4, xs: [36, 252, 468], points: ['36.0,142.0 252.0,104.0 468.0,180.0', '36.0,180.0 252.0,28.0 468.0,180.0'], title: 'T: accepted 3, refused 4' },
    ],
  ])('%s', (_, labels, series, expected) => {
    const chart = lineChart('chart-t', 'T', labels, series);
    expect({ max: chart.max, xs: chart.xLabels.map((l) => l.x), points: chart.lines.map((l) => l.points), title: chart.title }).toEqual(expected);
  });

  test.each([
    [6, ['0', '1', '2', '3', '4', '5']],
    [7, ['0', '2', '4', '6']],
    [24, ['0', '4', '8', '12', '16', '20']],
    [25, ['0', '5', '10', '15', '20']],
  ])('%i buckets label about six of them', (count, shown) => {
    const labels = Array.from({ length: count }, (_, i) => String(i));
    expect(lineChart('chart-t', 'T', labels, [accepted(labels.map(() => 1))]).xLabels.map((l) => l.text)).toEqual(shown);
  });

  test('each series has its own marker shape, colour and legend entry with its total', () => {
    const chart = lineChart(
      'chart-t',
      'T',
      ['a'],
      [accepted([2]), { name: 'refused', values: [1], marker: 'square', dashed: true }, { name: 'lockouts', values: [1], marker: 'triangle' }],
    );
    expect(chart.legend).toEqual([
      { marker: { shape: 'circle', cx: 41, cy: 12, colour: '#2456c7' }, x: 50, text: 'accepted (2)' },
      { marker: { shape: 'square', x: 187.5, y: 8.5, colour: '#b3261e' }, x: 200, text: 'refused (1)' },
      { marker: { shape: 'triangle', d: 'M341 7.5L345.5 15.5L336.5 15.5Z', colour: '#6b7280' }, x: 350, text: 'lockouts (1)' },
    ]);
    expect(chart.lines.map((l) => [l.colour, l.dashed, l.markers[0]!.shape])).toEqual([
      ['#2456c7', false, 'circle'],
      ['#b3261e', true, 'square'],
      ['#6b7280', false, 'triangle'],
    ]);
  });
});

describe('drawn on the dashboard', () => {
  const hostile = '</text><script>alert(1)</script>"\'&';
  const escaped = '&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;';
  const dashboard = (charts: Record<string, unknown>) =>
    createPages('Stepup').render('console_dashboard', {
      range: '24h',
      ranges: { '24h': 'the last 24 hours' },
      smsRefusals: { byReason: [] },
      charts: {
        signIns: lineChart('chart-sign-ins', 'Sign-ins', ['a', 'b'], [{ name: 'accepted', values: [1, 2], marker: 'circle' }]),
        lockouts: lineChart('chart-lockouts', 'Lockouts', ['a', 'b'], [{ name: 'lockouts', values: [0, 1], marker: 'triangle' }]),
        failures: barChart('chart-failures', 'Failures by reason', []),
        methods: barChart('chart-methods', 'Methods', []),
        deliveries: barChart('chart-deliveries', 'Deliveries', []),
        failingAccounts: barChart('chart-failing-accounts', 'Accounts', []),
        failingIps: barChart('chart-failing-ips', 'IPs', []),
        ...charts,
      },
    });

  test.each([
    ['a bar label', { failingIps: barChart('chart-failing-ips', 'IPs', [{ label: hostile, value: 1 }]) }],
    ['a bar chart title', { failingIps: barChart('chart-failing-ips', hostile, []) }],
    ['an x label', { signIns: lineChart('chart-sign-ins', 'Sign-ins', [hostile], [{ name: 'accepted', values: [1], marker: 'circle' }]) }],
    ['a series name', { lockouts: lineChart('chart-lockouts', 'Lockouts', ['a'], [{ name: hostile, values: [1], marker: 'triangle' }]) }],
  ])('markup in %s is escaped', (_, charts) => {
    const html = dashboard(charts);
    expect(html).not.toMatch(/<script>alert|<\/text><script>/);
    expect(html).toContain(escaped);
  });

  test('every chart is an SVG named by its title, in its figure', () => {
    const html = dashboard({});
    for (const [figure, chart] of [
      ['sign-ins', 'chart-sign-ins'],
      ['failures', 'chart-failures'],
      ['methods', 'chart-methods'],
      ['deliveries', 'chart-deliveries'],
      ['lockouts', 'chart-lockouts'],
      ['failing-accounts', 'chart-failing-accounts'],
      ['failing-ips', 'chart-failing-ips'],
    ]) {
      expect(html).toMatch(
        new RegExp(
          `<figure class="chart" id="${figure}"><figcaption>[^<]*</figcaption><svg [^>]*role="img" aria-labelledby="${chart}-title">\\n<title id="${chart}-title">`,
        ),
      );
    }
    expect(html).toContain('<title id="chart-sign-ins-title">Sign-ins: accepted 3</title>');
    expect(html).toContain('<text x="8" y="20" font-size="12" fill="currentColor">Nothing in this range.</text>');
  });

  test('a bar is drawn where its data puts it, a line through its points with a marker at each', () => {
    const html = dashboard({
      failures: barChart('chart-failures', 'Failures by reason', [{ label: 'code failed', value: 2, fill: 'hatched' }]),
      lockouts: lineChart('chart-lockouts', 'Lockouts', ['a', 'b'], [{ name: 'lockouts', values: [0, 1], marker: 'square', dashed: true }]),
    });
    expect(html).toContain(
      '<g><text x="182" y="20" text-anchor="end" font-size="12" fill="currentColor">code failed</text>\n' +
        '<rect x="190" y="7" width="240" height="18" fill="url(#chart-failures-hatched)" stroke="#b3261e"/>\n' +
        '<text x="436" y="20" font-size="12" fill="currentColor">2</text></g>',
    );
    expect(html).toContain(
      '<polyline points="36.0,180.0 468.0,28.0" fill="none" stroke="#2456c7" stroke-width="2" stroke-dasharray="6 4"/>' +
        '<rect x="32.5" y="176.5" width="7" height="7" fill="#2456c7"/><rect x="464.5" y="24.5" width="7" height="7" fill="#2456c7"/>',
    );
  });
});
