// dashboard.js: the dashboard's panels, each drawn from one or two views and redrawn
// whenever its views change (at most once per animation frame).
'use strict';

const VIEWS = ['order_trends_by_minute', 'top_items', 'conversion_funnel', 'conversion_funnel_overall',
  'inventory_status', 'warehouse_orders_summary'];
// How many rows the tables show.
const TABLE_ROWS = 8;

Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.animation = false;  // live data: draw the new state at once

const charts = {
  trends: new Chart(document.getElementById('trends-chart'), {
    type: 'line',
    // Orders per minute are counts per bucket: bars, one per minute, 0 where a minute had
    // none (the view has no row for it). Revenue is drawn between the same minutes, as
    // straight segments through those zeros: no smoothing that would invent a slope.
    data: {datasets: [
      {type: 'bar', label: 'Orders per minute', data: [], yAxisID: 'orders', backgroundColor: 'rgba(37, 99, 235, 0.55)',
        barPercentage: 1.0, categoryPercentage: 0.9, order: 2},
      {label: 'Revenue per minute ($)', data: [], yAxisID: 'revenue', borderColor: '#16a34a', pointRadius: 0,
        tension: 0, order: 1},
    ]},
    options: {
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: {type: 'linear', ticks: {callback: (value) => new Date(value).toISOString().slice(11, 16), maxTicksLimit: 12}},
        // Whole orders only: no 0.5 order on the axis.
        orders: {type: 'linear', position: 'left', beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: 'orders'}},
        revenue: {type: 'linear', position: 'right', beginAtZero: true, grid: {drawOnChartArea: false},
          title: {display: true, text: 'revenue ($)'}},
      },
      plugins: {tooltip: {callbacks: {title: (items) => items.length ? new Date(items[0].parsed.x).toISOString().slice(11, 16) + ' UTC' : ''}}},
    },
  }),
  top: new Chart(document.getElementById('top-chart'), {
    type: 'bar',
    data: {labels: [], datasets: [{label: 'Revenue ($)', data: [], backgroundColor: '#f59e0b'}]},
    options: {indexAxis: 'y', maintainAspectRatio: false, plugins: {legend: {display: false}},
      scales: {x: {beginAtZero: true}}},
  }),
};
window.shopCharts = charts;  // for the browser test and for poking at in the console

const draw = {
  order_trends_by_minute(view) {
    const rows = everyMinute(view.all().map((row) => ({at: parseUtc(row.minute), orders: Number(row.orders),
      revenue: Number(row.revenue)})));
    charts.trends.data.datasets[0].data = rows.map((row) => ({x: row.at, y: row.orders}));
    charts.trends.data.datasets[1].data = rows.map((row) => ({x: row.at, y: row.revenue}));
    charts.trends.options.scales.x.ticks.stepSize = minuteTickStep(rows.length);
    charts.trends.update();
  },
  top_items(view) {
    // The view keeps the top 10 as a set; its order is the reader's to apply.
    const rows = view.all().sort((a, b) => b.revenue - a.revenue || a.item_id - b.item_id);
    charts.top.data.labels = rows.map((row) => row.name);
    charts.top.data.datasets[0].data = rows.map((row) => Number(row.revenue));
    charts.top.update();
  },
  conversion_funnel_overall(view) {
    const [row] = view.all();
    document.getElementById('funnel-views').textContent = row ? formatNumber(row.views) : '–';
    document.getElementById('funnel-orders').textContent = row ? formatNumber(row.orders) : '–';
    document.getElementById('funnel-rate').textContent =
      row && row.conversion_rate !== null ? formatNumber(row.conversion_rate * 100, 2) + ' %' : '–';
  },
  conversion_funnel(view) {
    const rows = view.all().filter((row) => row.views > 0)
      .sort((a, b) => b.views - a.views || a.item_id - b.item_id).slice(0, TABLE_ROWS);
    fillTable(document.getElementById('funnel-items'), rows, (row) => [row.name, formatNumber(row.views),
      formatNumber(row.orders), row.conversion_rate === null ? '–' : formatNumber(row.conversion_rate * 100, 2) + ' %']);
  },
  inventory_status(view) {
    const rows = view.all();
    const count = (status) => rows.filter((row) => row.status === status).length;
    document.getElementById('inventory-in-stock').textContent = formatNumber(count('in stock'));
    document.getElementById('inventory-low').textContent = formatNumber(count('low'));
    document.getElementById('inventory-sold-out').textContent = formatNumber(count('sold out'));
    const lowest = rows.slice().sort((a, b) => a.stock - b.stock || a.item_id - b.item_id).slice(0, TABLE_ROWS);
    fillTable(document.getElementById('inventory-items'), lowest,
      (row) => [row.name, formatNumber(row.stock), formatNumber(row.units_sold_last_hour), row.shop_message || 'In stock'],
      (row) => 'status-' + row.status.replace(' ', '-'));
  },
  warehouse_orders_summary(view) {
    const byStatus = Object.fromEntries(view.all().map((row) => [row.status, row]));
    document.getElementById('warehouse-placed').textContent = formatNumber(byStatus.placed ? byStatus.placed.orders : 0);
    document.getElementById('warehouse-delivered').textContent =
      formatNumber(byStatus.delivered ? byStatus.delivered.orders : 0);
    document.getElementById('warehouse-units').textContent =
      formatNumber(byStatus.delivered ? byStatus.delivered.units : 0);
  },
};

// A tick step of whole minutes (1, 2, 5, 10, 15, 30, 60, ...) giving at most 12 ticks over
// `minutes` minutes: Chart.js's own "nice" steps over epoch milliseconds fall on odd
// minutes (09:16, 09:33). A linear scale puts ticks at multiples of the step, so these
// land on round times.
function minuteTickStep(minutes) {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
  const step = steps.find((candidate) => minutes / candidate <= 12) || steps[steps.length - 1];
  return step * 60 * 1000;
}

// The minutes from the first to the last in `rows` ({at, orders, revenue}, at in epoch
// ms), sorted, each once: a minute the view has no row for had no orders, so it is 0.
function everyMinute(rows) {
  const minute = 60 * 1000;
  const byMinute = new Map(rows.map((row) => [row.at, row]));
  if (byMinute.size === 0) return [];
  const first = Math.min(...byMinute.keys());
  const last = Math.max(...byMinute.keys());
  const out = [];
  for (let at = first; at <= last; at += minute) out.push(byMinute.get(at) || {at, orders: 0, revenue: 0});
  return out;
}

const dirty = new Set();
let frameRequested = false;
const stream = followViews(VIEWS, (name) => {
  dirty.add(name);
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(redraw);
  }
});

function redraw() {
  frameRequested = false;
  for (const name of dirty) {
    const view = stream.views[name];
    if (view.hasSnapshot) draw[name](view);
  }
  dirty.clear();
  showConditions();
}

function showConditions() {
  const open = stream.isOpen();
  for (const element of document.querySelectorAll('.condition[data-view]')) {
    const view = stream.views[element.dataset.view];
    showCondition(element, view.condition(open), view);
  }
  // The header says where the data comes from as shop-serve reports it (Materialize and
  // SUBSCRIBE, or e.g. PostgreSQL polled every second), never a fixed claim.
  if (stream.source) document.getElementById('source').textContent = 'live from ' + stream.source;
  const overall = document.getElementById('stream-state');
  overall.textContent = open ? 'connected' : 'disconnected, retrying';
  overall.className = 'condition condition-' + (open ? 'live' : 'disconnected');
  overall.dataset.condition = open ? 'live' : 'disconnected';
}

setInterval(showConditions, 1000);  // staleness shows even when nothing arrives
