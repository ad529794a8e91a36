// shop.js: following shop-serve's views in the browser, shared by the dashboard and the
// product page. One EventSource per page (/api/changes?views=...): it starts with each
// view's snapshot, then one "changes" event per timestamp ({"ts", "diff", "row"} as
// shop-watch --format jsonl writes them), "progress" (the last complete timestamp) and
// "status" (the source's state). The browser reconnects by itself and sends the last
// event id, which says per view what the page holds, so shop-serve sends each view's
// missed changes, or its snapshot again when it no longer has them (ids are opaque here).
'use strict';

// How long without progress before a panel says its data is stale: five times how often
// the source reports progress (shop-serve says so in each status event: Materialize
// about once a second, poll mode once per --interval), and at least 5 s.
function staleAfterMs(view) {
  return Math.max(5000, 5 * (view.progressEveryMs || 1000));
}

class ViewState {
  constructor(name) {
    this.name = name;
    this.columns = [];
    this.rows = new Map();  // JSON text of a row -> {row, count}: the result is a multiset
    this.ts = null;
    this.sourceState = 'connecting';
    this.message = null;
    this.lastProgressAt = 0;
    this.progressEveryMs = null;
    this.hasSnapshot = false;
  }

  applySnapshot(snapshot) {
    this.columns = snapshot.columns;
    this.rows.clear();
    for (const row of snapshot.rows) this.add(row, 1);
    this.ts = snapshot.ts;
    this.hasSnapshot = true;
    this.lastProgressAt = Date.now();
  }

  add(row, diff) {
    const key = JSON.stringify(row);
    const entry = this.rows.get(key);
    const count = (entry ? entry.count : 0) + diff;
    if (count > 0) this.rows.set(key, {row, count});
    else this.rows.delete(key);
  }

  // Every row, each as often as it is there.
  all() {
    const out = [];
    for (const {row, count} of this.rows.values()) {
      for (let i = 0; i < count; i++) out.push(row);
    }
    return out;
  }

  // 'live', 'stale', 'reconnecting', 'connecting' or 'disconnected' (the page's own stream).
  condition(streamOpen) {
    if (!streamOpen) return 'disconnected';
    if (this.sourceState !== 'live') return this.sourceState;
    if (!this.hasSnapshot) return 'connecting';
    return Date.now() - this.lastProgressAt > staleAfterMs(this) ? 'stale' : 'live';
  }
}

// Follows `names`; calls onChange(viewName) after each update of a view's rows or state.
// `url`: another stream of those views' events (the product page: /api/items/ID/changes).
// Returns {views, isOpen()}.
function followViews(names, onChange, url) {
  const views = {};
  for (const name of names) views[name] = new ViewState(name);
  let open = false;
  const stream = {views, isOpen: () => open, source: null};
  const connect = () => {
    const source = new EventSource(url || '/api/changes?views=' + names.map(encodeURIComponent).join(','));
    const on = (type, handle) => source.addEventListener(type, (event) => {
      const data = JSON.parse(event.data);
      const view = views[data.view];
      if (!view) return;
      handle(view, data);
      onChange(view.name);
    });
    on('snapshot', (view, data) => view.applySnapshot(data));
    on('changes', (view, data) => {
      for (const change of data.changes) view.add(change.row, change.diff);
    });
    on('progress', (view, data) => {
      view.ts = data.ts;
      view.lastProgressAt = Date.now();
    });
    on('status', (view, data) => {
      view.sourceState = data.state;
      view.message = data.message;
      view.progressEveryMs = data.progress_every_ms;
      if (data.source) stream.source = data.source;  // where the data comes from, and how
    });
    source.addEventListener('open', () => {
      open = true;
      for (const name of names) onChange(name);
    });
    source.addEventListener('error', () => {
      open = false;
      // A dropped stream the browser opens again by itself ("retry" from shop-serve: 2 s),
      // with the last event id. A refused one it does not: a status other than 200 (503
      // past --max-connections) fails the connection, and "once the user agent has failed
      // the connection, it does not attempt to reconnect" (HTML standard, Server-sent
      // events, processing model; web-platform-tests eventsource/request-status-error
      // checks 503 -> CLOSED). So a closed stream is opened anew, from fresh snapshots,
      // after the 5 s shop-serve's Retry-After asks for (which a page cannot read).
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
      for (const name of names) onChange(name);
    });
  };
  connect();
  return stream;
}

// A panel's state badge: text and a class for its colour.
function showCondition(element, condition, view) {
  const text = {
    live: 'live',
    stale: 'stale: no update for ' + Math.round((Date.now() - view.lastProgressAt) / 1000) + ' s',
    reconnecting: 'source reconnecting',
    connecting: 'connecting',
    disconnected: 'disconnected from shop-serve',
  }[condition] || condition;
  element.textContent = text;
  element.title = view.message || '';
  element.className = 'condition condition-' + condition;
  element.dataset.condition = condition;
}

function formatNumber(value, digits = 0) {
  if (value === null || value === undefined) return '–';
  return Number(value).toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

function formatMoney(value) {
  return value === null || value === undefined ? '–' : '$' + formatNumber(value, 2);
}

// Timestamps without a zone (MySQL DATETIME through CDC) are UTC in the demo.
function parseUtc(text) {
  return Date.parse(String(text).replace(' ', 'T') + (/[zZ]|[+-]\d\d(:?\d\d)?$/.test(text) ? '' : 'Z'));
}

// Replaces a table body's rows: `cells` gives each row's cell texts, `rowClass` its class.
// A cell under a header of class "number" is one too (right-aligned, tabular figures).
function fillTable(tbody, rows, cells, rowClass) {
  const headers = tbody.closest('table').querySelectorAll('thead th');
  const numeric = Array.from(headers, (th) => th.classList.contains('number'));
  const fragment = document.createDocumentFragment();
  for (const row of rows) {
    const tr = document.createElement('tr');
    if (rowClass) tr.className = rowClass(row);
    cells(row).forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (numeric[i]) td.className = 'number';
      tr.appendChild(td);
    });
    fragment.appendChild(tr);
  }
  tbody.replaceChildren(fragment);
}
