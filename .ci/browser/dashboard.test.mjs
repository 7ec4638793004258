// The live dashboard (/dashboard) in headless Chromium against a release
// server this test starts itself, stops and starts again: a customer is
// turned away, an admin signs in with the keyboard, an order placed
// through the API shows within a second, and after the server restarts the
// page resumes after its last orderEvents cursor, showing the orders placed
// while it could not connect, each once. The access token is renewed
// ahead of its expiry and after a 4403 close.
// Every request beyond loopback is aborted and fails the run, and so does
// any Content Security Policy violation, page error or console error.
//
// Set by dashboard.sh: STOREFRONT_BIN (the server binary), STOREFRONT_PORT
// (a free port), STOREFRONT_WORKDIR (an empty folder for the database and
// logs), CHROMIUM (the browser). SCREENSHOT: if set, where to save a PNG
// of the whole page after the restart.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { isLoopback, launchOffline, recordPageProblems } from './offline.mjs';

const bin = process.env.STOREFRONT_BIN;
const port = process.env.STOREFRONT_PORT;
const workdir = process.env.STOREFRONT_WORKDIR;
const base = `http://127.0.0.1:${port}`;

const ADMIN = { email: 'dashboard-admin@example.com', name: 'Dana Admin', password: 'dashboard-admin-pw' };
const CUSTOMER = { email: 'dashboard-customer@example.com', name: 'Casey Customer', password: 'dashboard-customer-pw' };

// The server's whole environment: nothing inherited beyond PATH, so that a
// DATABASE_URL or REDIS_URL of the caller cannot leak in.
const serverEnv = {
  PATH: process.env.PATH,
  DATABASE_URL: `sqlite://${join(workdir ?? '.', 'dashboard.db')}?mode=rwc`,
  STOREFRONT_LISTEN: `127.0.0.1:${port}`,
  STOREFRONT_ENV: 'development',
  JWT_SECRET: 'dashboard-browser-test-secret-of-32-bytes-or-more',
  RUST_LOG: 'warn',
};

const offsite = [];
const problems = [];
let server = null;
let serverExit = null;
let starts = 0;
let browser;
let page;
let customerToken;
let productIds;
let ordersTodayAtStart;
// Orders this test placed, in order.
const placedOrders = [];

// Everything that crossed the page's WebSocket, and whether new sockets
// may reach the server.
const wire = { blocked: false, refused: 0, route: null, toServer: [], fromServer: [] };


const logs = () =>
  Array.from({ length: starts }, (_, index) => {
    const file = join(workdir, `server-${index + 1}.log`);
    return `--- ${file}\n${readFileSync(file, 'utf8')}`;
  }).join('\n');

const startServer = async () => {
  starts += 1;
  const log = openSync(join(workdir, `server-${starts}.log`), 'a');
  server = spawn(bin, ['serve'], { env: serverEnv, stdio: ['ignore', log, log] });
  serverExit = new Promise((resolve) => {
    server.once('exit', (code, signal) => resolve({ code, signal }));
  });
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const exited = await Promise.race([serverExit, sleep(100, null)]);
    assert.equal(exited, null, `the server exited: ${JSON.stringify(exited)}\n${logs()}`);
    const healthy = await fetch(`${base}/healthz`).then((reply) => reply.ok, () => false);
    if (healthy) {
      return;
    }
  }
  assert.fail(`the server did not answer /healthz\n${logs()}`);
};

const stopServer = async () => {
  server.kill('SIGTERM');
  const exited = await serverExit;
  server = null;
  assert.deepEqual(exited, { code: 0, signal: null }, logs());
};

const gql = async (query, variables, token) => {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  const reply = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  }).then((response) => response.json());
  assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
  return reply.data;
};

const placeOrder = async () => {
  const { placeOrder: order } = await gql(
    'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }',
    { input: { items: productIds.map((productId) => ({ productId, quantity: 1 })) } },
    customerToken,
  );
  placedOrders.push(order);
  return order;
};

// Resolves once `predicate()` holds; fails after `ms`.
const waitUntil = async (predicate, ms, what) => {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(20);
  }
};

const ordersTodayIs = (expected) =>
  page.locator('#orders-today').filter({ hasText: new RegExp(`^${expected.toLocaleString("en")}$`) }).waitFor({ timeout: 5_000 });

const connection = () => page.locator('#connection');
const orderRow = (number) => page.locator('#recent-orders tbody tr', { hasText: number });
const shownNumbers = () =>
  page.locator('#recent-orders tbody tr th').evaluateAll((cells) => cells.map((cell) => cell.textContent));
const ordersToday = async () => Number((await page.locator('#orders-today').textContent()).replace(/,/g, ''));

// The orderEvents messages the server sent.
const orderEventsNext = () =>
  wire.fromServer.filter((message) => message.type === 'next' && message.payload?.data?.orderEvents);

before(async () => {
  assert.ok(bin && port && workdir, 'run through dashboard.sh (STOREFRONT_BIN, STOREFRONT_PORT, STOREFRONT_WORKDIR)');
  await startServer();
  const created = spawnSync(
    bin,
    ['user', 'create', '--email', ADMIN.email, '--name', ADMIN.name, '--admin', '--password-stdin'],
    { env: serverEnv, input: `${ADMIN.password}\n`, encoding: 'utf8' },
  );
  assert.equal(created.status, 0, `storefront user create: ${created.stderr}`);
  const { register } = await gql(
    'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
    { input: { email: CUSTOMER.email, name: CUSTOMER.name, password: CUSTOMER.password } },
  );
  customerToken = register.accessToken;
  const { products } = await gql('{ products(first: 2, filter: { inStock: true }) { nodes { id stock } } }');
  productIds = products.nodes.map((product) => product.id);
  assert.equal(productIds.length, 2);

  let context;
  ({ browser, context } = await launchOffline({ viewport: { width: 1280, height: 900 }, offsite, problems }));
  // The page's clock runs at its normal pace, but the test can move it on
  // to when the access token is due for renewal.
  await context.clock.install();
  page = await context.newPage();
  recordPageProblems(page, problems);
  // The page's own socket to /graphql, relayed so that the test sees every
  // message and can make the server unreachable for new sockets.
  await page.routeWebSocket(
    (url) => isLoopback(url.href) && url.pathname === '/graphql',
    (route) => {
      if (wire.blocked) {
        wire.refused += 1;
        return route.close({ code: 1013, reason: 'unreachable (browser test)' });
      }
      const upstream = route.connectToServer();
      wire.route = route;
      route.onMessage((message) => {
        wire.toServer.push(JSON.parse(message));
        upstream.send(message);
      });
      upstream.onMessage((message) => {
        wire.fromServer.push(JSON.parse(message));
        route.send(message);
      });
    },
  );
});

after(async () => {
  await browser?.close();
  if (server) {
    server.kill('SIGTERM');
    await serverExit;
  }
});

test('the page has a language, a title and labelled sign-in fields', async () => {
  const response = await page.goto(`${base}/dashboard`);
  assert.equal(response.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.title(), /dashboard/i);
  await page.getByLabel('Email').waitFor();
  await page.getByLabel('Password').waitFor();
  assert.equal(await connection().getAttribute('aria-live'), 'polite');
  assert.equal(await connection().getAttribute('data-state'), 'offline');
});

test('a customer is told that the dashboard is for administrators', async () => {
  await page.getByLabel('Email').fill(CUSTOMER.email);
  await page.getByLabel('Password').fill(CUSTOMER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'for administrators only' }).waitFor();
  assert.equal(await page.locator('#board').isHidden(), true);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('an admin signs in with the keyboard and the board goes live', async () => {
  await page.getByLabel('Email').focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(ADMIN.email);
  await page.keyboard.press('Tab');
  // Keyboard focus is visible.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press('Enter');

  await page.locator('#board').waitFor();
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
  assert.equal((await page.locator('#connection-text').textContent()).trim(), 'Live');
  await page.locator('#orders-today').filter({ hasText: /^\d[\d,]*$/ }).waitFor({ timeout: 10_000 });
  ordersTodayAtStart = await ordersToday();
  assert.match(await page.locator('#revenue-today').textContent(), /\d/);
  assert.equal(await page.locator('#chart rect').count(), 60);
  assert.match(await page.locator('#chart desc').textContent(), /minutes/);
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), true);
  assert.equal(await page.evaluate(() => sessionStorage.length), 1);
});

test('an order placed through the API shows on the page within a second', async () => {
  const order = await placeOrder();
  await orderRow(order.number).waitFor({ timeout: 1_000 });
  const row = orderRow(order.number);
  assert.match(await row.textContent(), new RegExp(CUSTOMER.name));
  assert.match(await row.textContent(), /Pending/);
  await ordersTodayIs(ordersTodayAtStart + 1);

  // orderEvents (subscribed without a cursor) is silent until its first
  // event, and the row above may have come from a snapshot: place orders
  // until one arrives as an event, so that the page holds a cursor.
  for (let attempt = 1; orderEventsNext().length === 0; attempt += 1) {
    assert.ok(attempt <= 20, 'no orderEvents event reached the page');
    await placeOrder();
    await waitUntil(() => orderEventsNext().length > 0, 1_000, 'an event').catch(() => {});
  }
  await ordersTodayIs(ordersTodayAtStart + placedOrders.length);
});

test('after a server restart the page resumes from its last cursor and shows what happened meanwhile', async () => {
  const lastCursor = orderEventsNext().at(-1).payload.data.orderEvents.cursor;
  const before = await shownNumbers();

  wire.blocked = true;
  await stopServer();
  await page.locator('#connection[data-state="reconnecting"]').waitFor({ timeout: 5_000 });
  assert.equal((await page.locator('#connection-text').textContent()).trim(), 'Reconnecting…');

  await startServer();
  const placed = [];
  for (let index = 0; index < 3; index += 1) {
    placed.push(await placeOrder());
  }
  // Still cut off: nothing new is shown, and the page kept trying.
  await page.locator('#connection[data-state="reconnecting"]').waitFor();
  assert.deepEqual(await shownNumbers(), before);
  const sentBefore = wire.toServer.length;
  const receivedBefore = wire.fromServer.length;
  await waitUntil(() => wire.refused > 0, 10_000, 'a refused reconnection');

  wire.blocked = false;
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });
  for (const order of placed) {
    await orderRow(order.number).waitFor({ timeout: 5_000 });
  }

  // It resubscribed after the last cursor it had, and the server replayed
  // exactly the orders placed meanwhile, in order.
  const resubscribe = wire.toServer.slice(sentBefore).find(
    (message) => message.type === 'subscribe' && message.payload.query.includes('orderEvents('),
  );
  assert.equal(resubscribe.payload.variables.after, lastCursor);
  const replayed = wire.fromServer
    .slice(receivedBefore)
    .filter((message) => message.id === resubscribe.id && message.type === 'next')
    .map((message) => message.payload.data.orderEvents);
  assert.deepEqual(
    replayed.map((event) => [event.type, event.order.number]),
    placed.map((order) => ['PLACED', order.number]),
  );

  // Each order once, newest first, the new ones on top.
  const shown = await shownNumbers();
  assert.equal(new Set(shown).size, shown.length, `duplicates: ${shown}`);
  assert.deepEqual(shown.slice(0, 3), placed.map((order) => order.number).reverse());
  await ordersTodayIs(ordersTodayAtStart + placedOrders.length);
  assert.equal((await page.locator('#connection-text').textContent()).trim(), 'Live');
  if (process.env.SCREENSHOT) {
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  }
});

test('a status change shows on the order row', async () => {
  const { login } = await gql(
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { email: ADMIN.email, password: ADMIN.password } },
  );
  const order = placedOrders.at(-1);
  await gql(
    'mutation ($id: ID!) { updateOrderStatus(id: $id, status: PAID) { status } }',
    { id: order.id },
    login.accessToken,
  );
  await orderRow(order.number).filter({ hasText: 'Paid' }).waitFor({ timeout: 5_000 });
  assert.equal(await orderRow(order.number).count(), 1);
});

const storedAccessToken = () =>
  page.evaluate(() => JSON.parse(sessionStorage.getItem('storefront.dashboard.session')).accessToken);

const refreshRequest = () =>
  page.waitForRequest(
    (request) => request.url().endsWith('/graphql') && (request.postData() ?? '').includes('refreshToken('),
  );

test('the access token is renewed before it expires and the socket reconnects with it', async () => {
  const tokenBefore = await storedAccessToken();
  const initsBefore = wire.toServer.filter((message) => message.type === 'connection_init').length;
  const renewal = refreshRequest();
  // Access tokens live 15 minutes; the page renews one minute ahead.
  await page.clock.fastForward('14:10');
  await renewal;
  await waitUntil(
    () => wire.toServer.filter((message) => message.type === 'connection_init').length > initsBefore,
    10_000,
    'a new connection_init',
  );
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
  const tokenAfter = await storedAccessToken();
  assert.notEqual(tokenAfter, tokenBefore);
  const init = wire.toServer.filter((message) => message.type === 'connection_init').at(-1);
  assert.equal(init.payload.authorization, `Bearer ${tokenAfter}`);
});

test('a socket closed with 4403 renews the access token and reconnects', async () => {
  const tokenBefore = await storedAccessToken();
  const renewal = refreshRequest();
  await wire.route.close({ code: 4403, reason: 'Forbidden: the access token expired' });
  await renewal;
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
  const tokenAfter = await storedAccessToken();
  assert.notEqual(tokenAfter, tokenBefore);
  const init = wire.toServer.filter((message) => message.type === 'connection_init').at(-1);
  assert.equal(init.payload.authorization, `Bearer ${tokenAfter}`);

  const order = await placeOrder();
  await orderRow(order.number).waitFor({ timeout: 5_000 });
});

test('signing out returns to the sign-in form and forgets the tokens', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Email').waitFor();
  await page.locator('#connection[data-state="offline"]').waitFor();
  assert.equal(await page.locator('#board').isHidden(), true);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.locator('#recent-orders tbody tr').count(), 0);
});

test('nothing was requested beyond loopback', () => {
  assert.deepEqual(offsite, []);
});

test('no policy violation, page error or console error was reported', () => {
  assert.deepEqual(problems, []);
});
