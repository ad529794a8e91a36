// shop-serve's dashboard and product page in Debian's chromium, driven by playwright-core
// (serve_test.sh browser starts PostgreSQL's demo views and shop-serve, then runs this).
// Checks that the charts and tables show what the views hold, that they follow changes
// made in PostgreSQL without a reload, that the stock badge goes from "Only N left" to
// "Sold out", that a frozen server shows as stale, that no request leaves shop-serve and
// nothing is logged as an error; saves screenshots.
//   SHOP_SERVE_URL  SHOP_SERVE_PID  SHOP_TEST_DB_URL  SHOP_SCREENSHOT_DIR
import {execFileSync} from 'node:child_process';
import {mkdirSync} from 'node:fs';

import {finish, launchChromium, notOk, ok} from './lib.mjs';

const base = process.env.SHOP_SERVE_URL;
const serverPid = Number(process.env.SHOP_SERVE_PID);
const database = process.env.SHOP_TEST_DB_URL;
const screenshots = process.env.SHOP_SCREENSHOT_DIR;
if (!base || !serverPid || !database || !screenshots) {
  console.error('pages.test.mjs: SHOP_SERVE_URL, SHOP_SERVE_PID, SHOP_TEST_DB_URL and SHOP_SCREENSHOT_DIR are needed');
  process.exit(2);
}
mkdirSync(screenshots, {recursive: true});

const expectEq = (what, expected, actual) => {
  const e = JSON.stringify(expected);
  const a = JSON.stringify(actual);
  if (e === a) ok(what);
  else notOk(`${what}: expected ${e}, got ${a}`);
};
const sql = (query) => execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', database, '-c', query],
  {encoding: 'utf8'}).trim();
const lines = (text) => (text === '' ? [] : text.split('\n'));
// Orders per minute from the first minute with orders to the last, 0 for the ones between
// that have none: what the chart must draw.
const everyMinuteOrders = `SELECT coalesce(t.orders, 0) FROM generate_series(
    (SELECT min(minute) FROM order_trends_by_minute), (SELECT max(minute) FROM order_trends_by_minute),
    INTERVAL '1 minute') AS m(minute) LEFT JOIN order_trends_by_minute AS t USING (minute) ORDER BY minute`;

// waitFor WHAT PAGE FN ARG: FN(ARG) in the page becomes true within 5 s (the issue: "within
// a few seconds"); no reload happens meanwhile (a marker set on the window survives).
async function waitFor(what, page, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, {timeout: 5000, polling: 100});
    ok(what);
  } catch (error) {
    notOk(`${what}: not within 5 s`);
  }
}

const browser = await launchChromium();
const context = await browser.newContext({viewport: {width: 1280, height: 1100}});
const problems = [];
const outside = [];
context.on('page', (page) => {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push('exception: ' + error.message));
  page.on('request', (request) => {
    if (!request.url().startsWith(base + '/') && !request.url().startsWith('data:')) outside.push(request.url());
  });
});

try {
  // The dashboard.
  const page = await context.newPage();
  await page.goto(base + '/');
  await page.evaluate(() => { window.notReloaded = true; });
  await waitFor('the dashboard: every panel has its data', page, () =>
    window.shopCharts.top.data.labels.length > 0 && window.shopCharts.trends.data.datasets[0].data.length > 0 &&
    document.querySelectorAll('#inventory-items tr').length > 0 &&
    document.getElementById('funnel-views').textContent !== '–' &&
    document.getElementById('warehouse-placed').textContent !== '–');
  expectEq('top sellers: the bars are top_items by revenue',
    lines(sql('SELECT name FROM top_items ORDER BY revenue DESC, item_id')),
    await page.evaluate(() => window.shopCharts.top.data.labels));
  expectEq('top sellers: the bars\' lengths are the revenue',
    lines(sql('SELECT revenue FROM top_items ORDER BY revenue DESC, item_id')).map(Number),
    await page.evaluate(() => window.shopCharts.top.data.datasets[0].data));
  expectEq('order trends: one bar per minute from the first to the last, 0 for a minute without orders',
    lines(sql(everyMinuteOrders)).map(Number),
    await page.evaluate(() => window.shopCharts.trends.data.datasets[0].data.map((point) => point.y)));
  const ticks = await page.evaluate(() => window.shopCharts.trends.scales.x.ticks.map((tick) => tick.value));
  if (ticks.length >= 2 && ticks.length <= 13 && ticks.every((value) => value % 60000 === 0) &&
      new Set(ticks.slice(1).map((value, i) => value - ticks[i])).size === 1) {
    ok(`order trends: ticks on whole minutes, evenly spaced (${ticks.map((v) => new Date(v).toISOString().slice(11, 16)).join(' ')})`);
  } else {
    notOk(`order trends: ticks should fall on whole minutes, evenly: ${ticks.map((v) => new Date(v).toISOString()).join(' ')}`);
  }
  const orderTicks = await page.evaluate(() => window.shopCharts.trends.scales.orders.ticks.map((tick) => tick.value));
  if (orderTicks.length >= 2 && orderTicks.every(Number.isInteger)) ok(`order trends: whole orders on the axis (${orderTicks.join(' ')})`);
  else notOk(`order trends: the orders axis should count whole orders: ${orderTicks.join(' ')}`);
  expectEq('order trends: orders as bars, revenue as straight segments (no smoothing inventing a slope)',
    ['bar', 0],
    await page.evaluate(() => [window.shopCharts.trends.data.datasets[0].type,
      window.shopCharts.trends.data.datasets[1].tension]));
  const shares = await page.$$eval('#funnel-items tr td:last-child', (cells) => cells.map((cell) => cell.textContent));
  if (shares.length > 0 && shares.every((text) => /^\d+(\.\d+)? %$/.test(text) && parseFloat(text) <= 100)) {
    ok(`conversion per item: a share of at most 100 % (${shares.join(', ')})`);
  } else {
    notOk(`conversion per item: not all shares of at most 100 %: ${shares.join(', ')}`);
  }
  // Each column's cells align as its header does: figures to the right, text to the left.
  // In one evaluate: the stream may replace the rows between a query and its use, and a
  // detached cell has no computed style.
  const alignments = (table) => page.evaluate((selector) => {
    const cells = [...document.querySelectorAll(`${selector} tr:first-child td`)];
    const headers = [...document.querySelector(selector).closest('table').querySelectorAll('thead th')];
    return {cells: cells.map((cell) => getComputedStyle(cell).textAlign),
      headers: headers.slice(0, cells.length).map((th) => getComputedStyle(th).textAlign)};
  }, table);
  for (const table of ['#funnel-items', '#inventory-items']) {
    const {cells, headers} = await alignments(table);
    expectEq(`${table}: each cell aligned as its column's header (${headers.join(', ')})`, headers, cells);
  }
  expectEq('conversion per item: views, orders and the share right-aligned', ['left', 'right', 'right', 'right'],
    (await alignments('#funnel-items')).cells);
  expectEq('inventory: the figures say what they count',
    ['items well stocked', 'items running low', 'items sold out'],
    await page.$$eval('#inventory .figures .label', (labels) => labels.map((label) => label.textContent)));
  expectEq('inventory: "well stocked" counts the items at or above the low-stock threshold',
    sql("SELECT count(*) FROM inventory_status WHERE status = 'in stock'"),
    await page.textContent('#inventory-in-stock'));
  expectEq('conversion funnel: the shop\'s views and orders',
    sql("SELECT views || ' ' || orders FROM conversion_funnel_overall"),
    await page.evaluate(() => (document.getElementById('funnel-views').textContent + ' ' +
      document.getElementById('funnel-orders').textContent).replace(/,/g, '')));  // 2,007 as people write it
  expectEq('conversion funnel: the most viewed items',
    lines(sql('SELECT name FROM conversion_funnel WHERE views > 0 ORDER BY views DESC, item_id LIMIT 8')),
    await page.$$eval('#funnel-items tr td:first-child', (cells) => cells.map((cell) => cell.textContent)));
  expectEq('inventory: the lowest stock first, with the shop\'s message',
    lines(sql("SELECT name || ' ' || coalesce(shop_message, 'In stock') FROM inventory_status ORDER BY stock, item_id LIMIT 8")),
    await page.$$eval('#inventory-items tr', (rows) => rows.map((row) => row.cells[0].textContent + ' ' + row.cells[3].textContent)));
  expectEq('inventory: low and sold-out rows are highlighted',
    lines(sql("SELECT 'status-' || replace(status, ' ', '-') FROM inventory_status ORDER BY stock, item_id LIMIT 8")),
    await page.$$eval('#inventory-items tr', (rows) => rows.map((row) => row.className)));
  expectEq('warehouse orders: placed and delivered',
    sql("SELECT coalesce(sum(orders) FILTER (WHERE status = 'placed'), 0) || ' ' || coalesce(sum(orders) FILTER (WHERE status = 'delivered'), 0) FROM warehouse_orders_summary"),
    await page.evaluate(() => document.getElementById('warehouse-placed').textContent + ' ' +
      document.getElementById('warehouse-delivered').textContent));
  const header = await page.textContent('#source');
  if (/^live from PostgreSQL \d+(\.\d+)*, polled every 100 ms$/.test(header)) ok(`the header names the real source and mode: "${header}"`);
  else notOk(`the header should name PostgreSQL and poll mode (the test runs shop-serve so), got "${header}"`);
  expectEq('every panel says live', ['live'],
    [...new Set(await page.$$eval('.condition[data-view]', (badges) => badges.map((badge) => badge.dataset.condition)))]);
  await page.screenshot({path: `${screenshots}/dashboard.png`, fullPage: true});

  // Changes in PostgreSQL reach the open page.
  const soldOutBefore = Number(await page.textContent('#inventory-sold-out'));
  sql('UPDATE mysql_items SET inventory = 0 WHERE id = 1');
  await waitFor('inventory: an item selling out shows without a reload', page, (before) =>
    window.notReloaded && Number(document.getElementById('inventory-sold-out').textContent) === before + 1 &&
    [...document.querySelectorAll('#inventory-items tr.status-sold-out td:first-child')]
      .some((cell) => cell.textContent === 'Blue Widget'), soldOutBefore);
  sql(`INSERT INTO mysql_purchases VALUES (9001, 1, 4, 1, 2, 200.00, '2026-01-01 11:59:30', '2026-01-01 11:59:30'),
       (9002, 2, 4, 1, 5, 500.00, '2026-01-01 11:59:40', '2026-01-01 11:59:40')`);
  const minutes = lines(sql(everyMinuteOrders)).map(Number);
  if (minutes.slice(-4, -1).includes(0)) ok('order trends: the data has minutes without orders (11:57, 11:58)');
  else notOk(`order trends: expected minutes without orders before 11:59, got ${minutes.slice(-4).join(', ')}`);
  await waitFor('order trends: new orders move the chart without a reload', page, (expected) => {
    const points = window.shopCharts.trends.data.datasets[0].data.map((point) => point.y);
    return window.notReloaded && JSON.stringify(points) === JSON.stringify(expected);
  }, minutes);
  await waitFor('top sellers: the bars follow', page, () => window.notReloaded &&
    window.shopCharts.top.data.labels[0] === 'Doodad');

  // The product page: the badge from "Only N left" to "Sold out".
  const product = await context.newPage();
  const productStreams = [];
  product.on('request', (request) => {
    if (request.url().includes('/changes')) productStreams.push(request.url().slice(base.length));
  });
  await product.goto(base + '/products/4');
  await product.evaluate(() => { window.notReloaded = true; });
  await waitFor('product page: name, price and category', product, () =>
    document.getElementById('product-name').textContent === 'Doodad' &&
    document.getElementById('product-price').textContent === '$100.00' &&
    document.getElementById('product-category').textContent === 'doodads');
  expectEq('product page: the badge says how many are left', 'Only 80 left', await product.textContent('#stock-badge'));
  expectEq('product page: it follows its own item only, not all of inventory_status', ['/api/items/4/changes'],
    productStreams);
  await product.screenshot({path: `${screenshots}/product-low.png`});
  sql('UPDATE mysql_items SET inventory = 0 WHERE id = 4');
  await waitFor('product page: the badge goes to "Sold out" without a reload', product, () =>
    window.notReloaded && document.getElementById('stock-badge').textContent === 'Sold out' &&
    document.getElementById('buy').disabled);
  await product.screenshot({path: `${screenshots}/product-sold-out.png`});
  sql('UPDATE mysql_items SET inventory = 7 WHERE id = 4');
  await waitFor('product page: back in stock, "Only 7 left"', product, () =>
    document.getElementById('stock-badge').textContent === 'Only 7 left' && !document.getElementById('buy').disabled);
  const missing = await context.newPage();
  await missing.goto(base + '/products/999999');
  await waitFor('product page of an unknown item: says so', missing, () =>
    document.getElementById('product-name').textContent === 'No such product');
  await missing.close();
  // The 404 of /api/items/999999 is the answer the page expects, not an error of its own.
  for (let i = problems.length - 1; i >= 0; i--) {
    if (/status of 404/.test(problems[i])) problems.splice(i, 1);
  }

  // A server that stops answering: the panels say their data is stale.
  process.kill(serverPid, 'SIGSTOP');
  try {
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.condition[data-view]')].every((badge) => badge.dataset.condition === 'stale'),
    null, {timeout: 10000, polling: 200});
    ok('a frozen server: every panel says its data is stale');
  } catch (error) {
    notOk('a frozen server: the panels never said stale');
  }
  await page.screenshot({path: `${screenshots}/dashboard-stale.png`});
  process.kill(serverPid, 'SIGCONT');
  await waitFor('... and live again once it answers', page, () =>
    [...document.querySelectorAll('.condition[data-view]')].every((badge) => badge.dataset.condition === 'live'));

  expectEq('nothing was requested from anywhere but shop-serve', [], outside);
  expectEq('no console errors or warnings, no exceptions', [], problems);
} finally {
  await browser.close();
}
finish('pages.test.mjs');
