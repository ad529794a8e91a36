// shop.js's stream in Debian's chromium when shop-serve refuses it: serve_test.sh browser
// starts a second shop-serve with --max-connections 2 and --idle-timeout 1s, and this fills
// both connections with streams of its own (curl) before the page opens its stream. The
// page's EventSource then gets a real 503 from shop-serve, which a browser never retries
// by itself; once a connection is free again, the page must follow the view anyway.
//   SHOP_SERVE_URL (that server)  SHOP_TEST_DB_URL  SHOP_VIEW (a view it serves, one row)
import {execFileSync, spawn} from 'node:child_process';

import {finish, launchChromium, notOk, ok} from './lib.mjs';

const base = process.env.SHOP_SERVE_URL;
const database = process.env.SHOP_TEST_DB_URL;
const viewName = process.env.SHOP_VIEW;
if (!base || !database || !viewName) {
  console.error('reconnect.test.mjs: SHOP_SERVE_URL, SHOP_TEST_DB_URL and SHOP_VIEW are needed');
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// A gauge from shop-serve's /metrics, read by curl (its connection closed after; /metrics
// is answered past the cap too). shop_serve_connections counts that request itself when it
// is within the cap; shop_serve_stream_clients counts event streams only.
const gauge = (name) => {
  const text = execFileSync('curl', ['-s', base + '/metrics'], {encoding: 'utf8'});
  return Number((text.match(new RegExp(`^${name} (\\d+)$`, 'm')) || [])[1]);
};
// waitUntil WHAT FN MS: FN() (async) becomes true within MS.
async function waitUntil(what, fn, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await sleep(100);
  }
  notOk(`${what} (waited ${ms / 1000} s)`);
  return false;
}

const browser = await launchChromium();
const streams = [];
try {
  const page = await browser.newPage();
  // A page of shop-serve's own with shop.js as the pages load it; no stream yet.
  await page.goto(base + '/assets/style.css');
  await page.addScriptTag({url: base + '/assets/shop.js'});
  // The page's keep-alive connection closes after --idle-timeout: then the two curls
  // below take both connections.
  await waitUntil('the page\'s idle connection is closed', () => gauge('shop_serve_connections') === 1, 5000);
  for (let i = 0; i < 2; i++) {
    streams.push(spawn('curl', ['-s', '-N', `${base}/api/views/${viewName}/changes`], {stdio: 'ignore'}));
  }
  if (await waitUntil('two streams of curl take both connections', () => gauge('shop_serve_stream_clients') === 2,
    5000)) {
    ok('two streams of curl take both connections (--max-connections 2)');
  }
  const refused = page.waitForResponse((response) => response.url().includes('/api/changes'));
  await page.evaluate((name) => {
    window.updates = 0;
    window.stream = followViews([name], () => { window.updates++; });
  }, viewName);
  const status = (await refused).status();
  if (status === 503) ok('the page\'s stream is refused: 503');
  else notOk(`the page's stream should be refused with 503, got ${status}`);
  await sleep(500);
  const closed = await page.evaluate(() => !window.stream.isOpen());
  if (closed) ok('... and the page knows it is not connected');
  else notOk('the page says its stream is open after a 503');

  for (const curl of streams) curl.kill();
  await waitUntil('the curls are gone', () => gauge('shop_serve_stream_clients') === 0, 5000);
  // A browser would leave the stream closed for good; shop.js opens it again (5 s).
  if (await waitUntil('the page follows the view once a connection is free', () => page.evaluate((name) =>
    window.stream.isOpen() && window.stream.views[name].hasSnapshot, viewName), 12000)) {
    ok('the page follows the view once a connection is free: connected, with the snapshot');
  }
  const rows = await page.evaluate((name) => window.stream.views[name].all().length, viewName);
  const truth = Number(execFileSync('psql', ['-X', '-q', '-At', database, '-c', `SELECT count(*) FROM ${viewName}`],
    {encoding: 'utf8'}).trim());
  if (rows === truth && rows > 0) ok(`... and its rows are the view's (${rows})`);
  else notOk(`the page holds ${rows} rows of ${viewName}, the view ${truth}`);
} catch (error) {
  notOk('exception: ' + error.message);
} finally {
  for (const curl of streams) curl.kill();
  await browser.close();
}
finish('reconnect.test.mjs');
