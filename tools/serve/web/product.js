// product.js: a storefront product page (/products/ID) with a live stock badge: the
// item from /api/items/ID, then its row of inventory_status as it changes, from a stream
// of that item's rows only (/api/items/ID/changes: not every item's stock and sales).
'use strict';

// The last non-empty segment: /products/42 and /products/42/ are the same page.
const itemId = Number(location.pathname.split('/').filter((part) => part !== '').pop());

function badge(row) {
  if (!row) return {text: 'Not available', status: 'unknown'};
  if (row.status === 'sold out') return {text: 'Sold out', status: 'sold-out'};
  if (row.status === 'low') return {text: row.shop_message || 'Only ' + row.stock + ' left', status: 'low'};
  return {text: 'In stock', status: 'in-stock'};
}

function show(row) {
  document.getElementById('product').setAttribute('aria-busy', 'false');
  if (!row) {
    document.getElementById('product-name').textContent = 'No such product';
    return;
  }
  document.getElementById('product-name').textContent = row.name;
  document.getElementById('product-category').textContent = row.category;
  document.getElementById('product-price').textContent = formatMoney(row.price);
  document.title = row.name + ' · shopstream';
  const {text, status} = badge(row);
  const element = document.getElementById('stock-badge');
  element.textContent = text;
  element.dataset.status = status;
  element.className = 'badge badge-' + status;
  document.getElementById('buy').disabled = status === 'sold-out';
}

// The item left inventory_status (deleted): keep its name and price, but say so.
function showGone() {
  const element = document.getElementById('stock-badge');
  element.textContent = 'Not available';
  element.dataset.status = 'unknown';
  element.className = 'badge badge-sold-out';
  document.getElementById('buy').disabled = true;
}

async function start() {
  const response = await fetch('/api/items/' + itemId);
  if (response.status === 404) {
    show(null);
    return;
  }
  if (response.ok) show(await response.json());
  // Then live: the item's row of inventory_status whenever it changes.
  const stream = followViews(['inventory_status'], () => {
    const view = stream.views.inventory_status;
    const row = view.all().find((candidate) => candidate.item_id === itemId);
    if (view.hasSnapshot) {
      if (row) show(row);
      else showGone();
    }
    showCondition(document.getElementById('product-condition'), view.condition(stream.isOpen()), view);
  }, '/api/items/' + itemId + '/changes');
  setInterval(() => {
    const view = stream.views.inventory_status;
    showCondition(document.getElementById('product-condition'), view.condition(stream.isOpen()), view);
  }, 1000);
}

start();
