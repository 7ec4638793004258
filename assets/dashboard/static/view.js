// Writes figures into the page. Text only ever goes in through
// textContent: names come from users and are never parsed as HTML.

import { draw } from './chart.js';
import { count, money, status, time } from './format.js';

const byId = (id) => document.getElementById(id);

const cell = (text, className) => {
  const td = document.createElement('td');
  if (className) {
    td.className = className;
  }
  if (text !== undefined) {
    td.textContent = text;
  }
  return td;
};

const stamp = (timestamp) => {
  const node = document.createElement('time');
  node.dateTime = timestamp;
  node.textContent = time(timestamp);
  return node;
};

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/** The connection indicator; unchanged states are not announced again. */
export const showConnection = (state, reason) => {
  const indicator = byId('connection');
  const text = state === 'offline' && reason ? `Offline: ${reason}` : CONNECTION_TEXT[state];
  indicator.dataset.state = state;
  const label = byId('connection-text');
  if (label.textContent !== text) {
    label.textContent = text;
  }
};

/** Shows the sign-in form (with `message`, if any) and hides the board. */
export const showSignIn = (message = '') => {
  byId('board').hidden = true;
  byId('sign-out').hidden = true;
  byId('who').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-message').textContent = message;
  byId('email').focus();
};

/** Shows the board for `user` and hides the sign-in form. */
export const showBoard = (user) => {
  byId('sign-in').hidden = true;
  byId('sign-in-message').textContent = '';
  byId('password').value = '';
  const who = byId('who');
  who.textContent = `Signed in as ${user.name}`;
  who.hidden = false;
  byId('sign-out').hidden = false;
  byId('board').hidden = false;
};

/** The board's notices, one per source (`dashboard`, `orderEvents`). */
const notices = new Map();

/** Sets or (with an empty text) clears the notice of `source`. */
export const notice = (source, text) => {
  if (text) {
    notices.set(source, text);
  } else {
    notices.delete(source);
  }
  byId('board-message').textContent = [...notices.values()].join(' ');
};

/** Renders a `DashboardSnapshot`. */
export const showSnapshot = (snapshot) => {
  byId('revenue-today').textContent = money(snapshot.revenueToday);
  byId('orders-today').textContent = count(snapshot.ordersToday);
  byId('orders-last-hour').textContent = count(snapshot.ordersLastHour);
  byId('generated-at').replaceWith(Object.assign(stamp(snapshot.generatedAt), { id: 'generated-at' }));
  byId('chart-summary').textContent = draw(byId('chart'), byId('chart-table'), snapshot.ordersPerMinute);

  byId('top-products').replaceChildren(
    ...snapshot.topProducts.map((top) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = top.product.name;
      const detail = document.createElement('span');
      detail.className = 'detail';
      detail.textContent = ` — ${count(top.unitsSold)} sold, ${money(top.revenue)}`;
      item.append(name, detail);
      return item;
    }),
  );
  byId('top-empty').hidden = snapshot.topProducts.length > 0;

  byId('low-stock').tBodies[0].replaceChildren(
    ...snapshot.lowStock.map((product) => {
      const row = document.createElement('tr');
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = product.name;
      row.append(name, cell(product.sku), cell(count(product.stock), 'num'));
      return row;
    }),
  );
  byId('low-empty').hidden = snapshot.lowStock.length > 0;
};

// One row per order, kept across renders so that a row's highlight is not
// restarted when others arrive.
const rows = new Map();

const fillRow = (row, order) => {
  const number = document.createElement('th');
  number.scope = 'row';
  number.textContent = order.number;
  const badge = document.createElement('span');
  badge.className = `status status-${order.status}`;
  badge.textContent = status(order.status);
  const placed = cell();
  placed.append(stamp(order.createdAt));
  const state = cell();
  state.append(badge);
  row.replaceChildren(
    number,
    cell(order.customer.name),
    cell(money(order.total), 'num'),
    state,
    placed,
  );
  row.dataset.status = order.status;
};

/** Renders the recent orders (`RecentOrders.list()`), newest first. */
export const showOrders = (entries) => {
  const body = byId('recent-orders').tBodies[0];
  const shown = new Set();
  entries.forEach(({ order, fresh }, index) => {
    shown.add(order.id);
    let row = rows.get(order.id);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.orderId = order.id;
      row.classList.toggle('fresh', fresh);
      rows.set(order.id, row);
    }
    if (row.dataset.updatedAt !== order.updatedAt || row.dataset.status !== order.status) {
      row.dataset.updatedAt = order.updatedAt;
      fillRow(row, order);
    }
    if (body.children[index] !== row) {
      body.insertBefore(row, body.children[index] ?? null);
    }
  });
  for (const [id, row] of rows) {
    if (!shown.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  byId('recent-empty').hidden = entries.length > 0;
};

/** Empties the board (after sign-out). */
export const clearBoard = () => {
  showOrders([]);
  for (const id of ['revenue-today', 'orders-today', 'orders-last-hour', 'generated-at']) {
    byId(id).textContent = '–';
  }
  byId('top-products').replaceChildren();
  byId('low-stock').tBodies[0].replaceChildren();
  notices.clear();
  notice('', '');
};
