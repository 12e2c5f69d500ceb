// Renders the panels of a Grafana dashboard (monitoring/grafana-dashboard.json) into one PNG:
// each panel's queries are asked of a Prometheus server's HTTP API over a time range, drawn
// with Chart.js in headless Chromium (puppeteer-core), laid out by the panels' gridPos.
// Used by monitoring/render-dashboard; it can be pointed at any Prometheus that scrapes
// gateways too:
//   node render.mjs --prometheus http://127.0.0.1:9090 --start UNIX --end UNIX --out dashboard.png
//        [--dashboard FILE] [--step SECONDS] [--rate-interval 20s] [--title TEXT] [--subtitle TEXT]
//        [--chromium PATH] [--width 1600]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const UPNG = createRequire(import.meta.url)('upng-js');

const here = path.dirname(fileURLToPath(import.meta.url));
const options = {
  dashboard: path.resolve(here, '..', 'grafana-dashboard.json'),
  step: '2',
  'rate-interval': '20s',
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  width: '1600',
  title: 'Octopus Open Gateway',
  subtitle: '',
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || argv[i + 1] === undefined) fail(`bad arguments near ${argv[i]}`);
  options[argv[i].slice(2)] = argv[i + 1];
}
for (const required of ['prometheus', 'start', 'end', 'out']) {
  if (!options[required]) fail(`--${required} is required`);
}
function fail(message) {
  console.error(`render: ${message}`);
  process.exit(2);
}

const start = Number(options.start);
const end = Number(options.end);
const step = Number(options.step);
const dashboard = JSON.parse(fs.readFileSync(options.dashboard, 'utf8'));

// The dashboard's variables as Grafana would set them for this range: every variable at
// its "All" value.
function substitute(expr) {
  const builtins = {
    __rate_interval: options['rate-interval'], __interval: `${step}s`, __range: `${Math.round(end - start)}s`,
    __range_s: `${Math.round(end - start)}`, __range_ms: `${Math.round((end - start) * 1000)}`, __interval_ms: `${step * 1000}`,
  };
  const variables = (dashboard.templating && dashboard.templating.list) || [];
  return expr.replace(/\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\[\[([A-Za-z0-9_]+)\]\]|\$([A-Za-z0-9_]+)/g, (m, a, b, c) => {
    const name = a || b || c;
    if (name in builtins) return builtins[name];
    const v = variables.find((x) => x.name === name);
    if (!v) fail(`unknown variable ${m} in ${expr}`);
    return v.allValue || '.*';
  });
}

async function prometheus(api, params) {
  const url = `${options.prometheus.replace(/\/$/, '')}/api/v1/${api}?${new URLSearchParams(params)}`;
  const response = await fetch(url);
  const body = await response.json();
  if (body.status !== 'success') throw new Error(`${api} ${params.query}: ${body.error || response.status}`);
  return body.data.result;
}

function legend(format, metric) {
  if (!format || format === '__auto') {
    const labels = Object.entries(metric).filter(([k]) => k !== '__name__');
    return labels.length ? labels.map(([k, v]) => `${k}="${v}"`).join(', ') : metric.__name__ || 'value';
  }
  return format.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, k) => metric[k] ?? '').trim() || '""';
}

const panels = [];
(function collect(list) {
  for (const p of list || []) {
    panels.push(p);
    collect(p.panels);
  }
})(dashboard.panels);
panels.sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);

const rendered = [];
for (const panel of panels) {
  if (panel.type === 'row') {
    rendered.push({ type: 'row', title: panel.title, gridPos: panel.gridPos });
    continue;
  }
  const series = [];
  const queries = [];
  for (const target of panel.targets || []) {
    const query = substitute(target.expr);
    queries.push(query);
    if (target.instant) {
      for (const r of await prometheus('query', { query, time: end })) {
        series.push({ name: legend(target.legendFormat, r.metric), value: Number(r.value[1]) });
      }
    } else {
      for (const r of await prometheus('query_range', { query, start, end, step })) {
        series.push({ name: legend(target.legendFormat, r.metric), points: r.values.map(([t, v]) => [t * 1000, Number(v)]) });
      }
    }
  }
  series.sort((a, b) => a.name.localeCompare(b.name));
  const d = panel.fieldConfig?.defaults ?? {};
  rendered.push({
    type: panel.type, title: panel.title, gridPos: panel.gridPos, series, queries,
    unit: d.unit ?? 'short', min: d.min, max: d.max, decimals: d.decimals,
    stacked: d.custom?.stacking?.mode === 'normal',
    stepped: d.custom?.lineInterpolation === 'stepAfter',
    thresholds: d.custom?.thresholdsStyle?.mode === 'line'
      ? (d.thresholds?.steps ?? []).filter((s) => s.value !== null) : [],
    steps: d.thresholds?.steps ?? [],
  });
  const points = series.reduce((n, s) => n + (s.points ? s.points.length : 1), 0);
  console.error(`render: ${panel.title}: ${series.length} series, ${points} points`);
}

const chartJs = fs.readFileSync(path.join(here, 'node_modules', 'chart.js', 'dist', 'chart.umd.js'), 'utf8');
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const width = Number(options.width);
const html = `<!doctype html><html><head><meta charset="utf-8"><style>
  * { box-sizing: border-box; }
  body { margin: 0; padding: 16px 16px 8px; width: ${width}px; background: #111217; color: #ccccdc;
         font: 13px "DejaVu Sans", sans-serif; }
  h1 { font-size: 20px; margin: 0 0 4px; color: #e6e6f0; font-weight: 600; }
  .sub { color: #9fa1b0; margin-bottom: 10px; font-size: 12px; line-height: 1.45; }
  .grid { display: grid; grid-template-columns: repeat(24, 1fr); grid-auto-rows: 25px; gap: 6px; }
  .row { font-size: 15px; font-weight: 600; color: #e6e6f0; align-self: end; padding: 0 2px 2px;
         border-bottom: 1px solid #2c2f36; }
  .panel { background: #181b1f; border: 1px solid #24272e; border-radius: 3px; padding: 6px 8px 4px;
           display: flex; flex-direction: column; min-width: 0; }
  .panel h2 { font-size: 12.5px; margin: 0 0 2px; font-weight: 600; color: #d8d9e2; white-space: nowrap;
              overflow: hidden; text-overflow: ellipsis; }
  .chart { position: relative; flex: 1; min-height: 0; }
  .nodata { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
            color: #8e8e9e; font-size: 14px; }
</style><script>${chartJs}</script></head><body>
<h1>${escape(options.title)}</h1><div class="sub">${options.subtitle.split('\n').map(escape).join('<br>')}</div>
<div class="grid" id="grid"></div>
<script>
const panels = ${JSON.stringify(rendered)};
const palette = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0',
                 '#508642', '#CCA300', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477'];
const colors = { green: '#73BF69', red: '#F2495C', orange: '#FF9830', yellow: '#FADE2A' };
const start = ${start * 1000}, end = ${end * 1000}, step = ${step * 1000};
Chart.defaults.color = '#a9abb8';
Chart.defaults.font.family = '"DejaVu Sans", sans-serif';
Chart.defaults.font.size = 10.5;
Chart.defaults.animation = false;
Chart.defaults.devicePixelRatio = 1;
function number(v, decimals) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (decimals !== undefined) return v.toFixed(decimals);
  if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
  if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
  if (a >= 10) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1).replace(/\\.0$/, '');
  return v.toPrecision(2).replace(/0+$/, '').replace(/\\.$/, '');
}
function format(unit, v, decimals) {
  switch (unit) {
    case 'reqps': return number(v, decimals) + ' req/s';
    case 'cps': return number(v, decimals) + '/s';
    case 'percentunit': return (v * 100).toFixed(Math.abs(v) < 0.1 && v !== 0 ? 1 : 0) + '%';
    case 's': return v === 0 ? '0' : Math.abs(v) < 1e-3 ? number(v * 1e6) + ' µs' : Math.abs(v) < 1 ? number(v * 1e3) + ' ms' : number(v) + ' s';
    case 'bytes': return v === 0 ? '0' : v >= 1 << 30 ? (v / (1 << 30)).toFixed(1) + ' GiB' : (v / (1 << 20)).toFixed(0) + ' MiB';
    default: return number(v, decimals);
  }
}
function clock(ms) { return new Date(ms).toISOString().slice(11, ms % 60000 ? 19 : 16); }
// Time ticks on round seconds: 15 s, 30 s, 1 min, ... apart, at most one per 70 pixels.
function clockTicks(width) {
  const every = [15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3]
    .find((e) => (end - start) / e <= Math.max(2, width / 70)) || 3600e3;
  const ticks = [];
  for (let t = Math.ceil(start / every) * every; t <= end; t += every) ticks.push({ value: t });
  return ticks;
}
const grid = document.getElementById('grid');
panels.forEach((p, i) => {
  const el = document.createElement('div');
  el.style.gridColumn = (p.gridPos.x + 1) + ' / span ' + p.gridPos.w;
  el.style.gridRow = (p.gridPos.y + 1) + ' / span ' + p.gridPos.h;
  if (p.type === 'row') { el.className = 'row'; el.textContent = p.title; grid.appendChild(el); return; }
  el.className = 'panel';
  el.innerHTML = '<h2></h2><div class="chart"><canvas></canvas></div>';
  el.querySelector('h2').textContent = p.title;
  grid.appendChild(el);
  const box = el.querySelector('.chart');
  if (!p.series.length) {
    box.innerHTML = '<div class="nodata">No data</div>';
    return;
  }
  const canvas = box.querySelector('canvas');
  if (p.type === 'bargauge') {
    const color = (v) => { let c = colors.green; for (const s of p.steps) if (s.value === null || v >= s.value) c = colors[s.color] || s.color; return c; };
    new Chart(canvas, {
      type: 'bar',
      data: { labels: p.series.map((s) => s.name), datasets: [{ data: p.series.map((s) => s.value), backgroundColor: p.series.map((s) => color(s.value)), barPercentage: 0.8, categoryPercentage: 0.9 }] },
      options: { indexAxis: 'y', maintainAspectRatio: false, plugins: { legend: { display: false } },
        scales: { x: { min: p.min, max: p.max, grid: { color: '#26292f' }, ticks: { callback: (v) => format(p.unit, v) } },
                  y: { grid: { display: false }, ticks: { autoSkip: false, font: { size: 9.5 } } } } },
      plugins: [{ id: 'values', afterDatasetsDraw(chart) {
        const { ctx } = chart; const meta = chart.getDatasetMeta(0);
        ctx.save(); ctx.fillStyle = '#e6e6f0'; ctx.font = '10px "DejaVu Sans", sans-serif'; ctx.textBaseline = 'middle';
        meta.data.forEach((bar, j) => ctx.fillText(format(p.unit, p.series[j].value), Math.min(bar.x + 4, chart.chartArea.right - 34), bar.y));
        ctx.restore(); } }],
    });
    return;
  }
  // A point for every step, null where Prometheus had no sample: gaps stay gaps.
  const datasets = p.series.map((s, j) => {
    const byTime = new Map(s.points.map(([t, v]) => [t, v]));
    const data = [];
    // Prometheus answers at start + k * step.
    // Stacked series count as 0 where they have no sample (a counter not yet seen), as
    // Grafana stacks them; the others keep their gaps.
    for (let t = start; t <= end; t += step) data.push({ x: t, y: byTime.has(t) ? byTime.get(t) : p.stacked ? 0 : null });
    const c = palette[j % palette.length];
    return { label: s.name, data, borderColor: c, backgroundColor: c + (p.stacked ? '50' : '1a'), borderWidth: 1.4,
             pointRadius: 0, spanGaps: false, stepped: p.stepped ? 'after' : false, fill: p.stacked ? (j === 0 ? 'origin' : '-1') : 'origin' };
  });
  // Alert thresholds: a dashed line where the axis reaches them (they do not stretch it).
  const thresholdLines = { id: 'thresholds', afterDatasetsDraw(chart) {
    const { ctx, chartArea, scales: { y } } = chart;
    for (const t of p.thresholds) {
      if (t.value > y.max || t.value < y.min) continue;
      const py = y.getPixelForValue(t.value);
      ctx.save(); ctx.strokeStyle = colors[t.color] || t.color; ctx.setLineDash([5, 4]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(chartArea.left, py); ctx.lineTo(chartArea.right, py); ctx.stroke();
      ctx.fillStyle = colors[t.color] || t.color; ctx.font = '9.5px "DejaVu Sans", sans-serif'; ctx.textAlign = 'right';
      ctx.fillText('alert ' + format(p.unit, t.value), chartArea.right - 2, py - 3); ctx.restore();
    }
  } };
  new Chart(canvas, {
    type: 'line',
    plugins: [thresholdLines],
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false, normalized: true,
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 3, padding: 6, font: { size: 10 } } } },
      scales: {
        x: { type: 'linear', min: start, max: end, grid: { color: '#26292f' }, ticks: { callback: (v) => clock(v), maxRotation: 0 },
             afterBuildTicks: (axis) => { axis.ticks = clockTicks(axis.width); } },
        y: { stacked: p.stacked, min: p.min ?? 0, max: p.max, beginAtZero: true, grid: { color: '#26292f' },
             ticks: { maxTicksLimit: 5, stepSize: p.decimals === 0 ? 1 : undefined, callback: (v) => format(p.unit, v, p.decimals) } },
      },
    },
  });
});
window.renderDone = true;
</script></body></html>`;

const browser = await puppeteer.launch({
  executablePath: options.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: width + 32, height: 1000, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => console.error(`render: page error: ${e.message}`));
  await page.setContent(html, { waitUntil: 'load' });
  await page.waitForFunction('window.renderDone === true', { timeout: 30000 });
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  // A palette of 256 colours: the same picture at about a third of the bytes.
  const shot = UPNG.decode(await page.screenshot({ fullPage: true }));
  fs.writeFileSync(options.out, Buffer.from(UPNG.encode(UPNG.toRGBA8(shot), shot.width, shot.height, 256)));
} finally {
  await browser.close();
}
console.error(`render: wrote ${options.out} (${fs.statSync(options.out).size} bytes)`);
