// GraphiQL in headless Chromium, offline: the page at `/` renders, a query
// typed into its editor runs, its result shows in the result pane, a dialog
// (which injects a style element) opens, and a subscription runs over a
// WebSocket to /graphql with graphql-transport-ws and shows a live change.
// Every request beyond loopback is aborted and fails the run, and so does
// any Content Security Policy violation, page error or console error.
//
// STOREFRONT_URL: the server (e.g. http://127.0.0.1:8000), a development
// instance with its demo data. CHROMIUM: the browser (default
// /usr/bin/chromium). SCREENSHOT: if set, where to save a PNG of the page
// after the query ran.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isLoopback, launchOffline, recordPageProblems } from './offline.mjs';

const base = process.env.STOREFRONT_URL;
const QUERY = '{ products(first: 2) { nodes { name } } }';

// Requests that tried to leave this machine, and everything the page
// reported as wrong.
const offsite = [];
const problems = [];
const graphqlRequests = [];
let browser;
let page;


// Replaces the query editor's text by typing `text`. CodeMirror closes
// brackets as they are typed and steps over a closing bracket typed in front
// of one, so typing an operation leaves it as is.
const typeOperation = async (text) => {
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
  assert.equal(await editorText('.graphiql-query-editor'), text);
  await page.keyboard.press('Escape');
};

// The text of the CodeMirror editor inside `selector`.
const editorText = (selector) =>
  page.evaluate(
    (selector) => document.querySelector(`${selector} .CodeMirror`).CodeMirror.getValue(),
    selector,
  );

before(async () => {
  assert.ok(base, 'set STOREFRONT_URL to the server under test');
  let context;
  ({ browser, context } = await launchOffline({ viewport: { width: 1280, height: 800 }, offsite, problems }));
  page = await context.newPage();
  recordPageProblems(page, problems);
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/graphql') {
      graphqlRequests.push(request);
    }
  });
});

after(async () => {
  await browser?.close();
});

test('GraphiQL runs a query typed into its editor and shows the result', async () => {
  const response = await page.goto(new URL('/', base).href);
  assert.equal(response.status(), 200);
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await editor.waitFor({ timeout: 30_000 });

  await typeOperation(QUERY);
  await page.locator('.graphiql-execute-button').click();

  const resultPane = page.locator('.graphiql-response .CodeMirror');
  await resultPane.getByText('"products"').waitFor({ timeout: 30_000 });
  const shown = JSON.parse(await editorText('.graphiql-response'));

  const direct = await fetch(new URL('/graphql', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: QUERY }),
  }).then((reply) => reply.json());
  assert.equal(shown.data.products.nodes.length, 2, JSON.stringify(shown));
  assert.deepEqual(shown.data, direct.data);
  assert.equal(shown.errors, undefined, JSON.stringify(shown));
  assert.ok(
    graphqlRequests.some(
      (request) => request.method() === 'POST' && request.postDataJSON()?.query === QUERY,
    ),
    'the query went to /graphql in a POST',
  );

  if (process.env.SCREENSHOT) {
    await page.screenshot({ path: process.env.SCREENSHOT });
  }
});

test('GraphiQL opens its settings dialog', async () => {
  await page.getByRole('button', { name: 'Open settings dialog' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Persist headers').waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
});

// A subscription typed into GraphiQL goes over a WebSocket to this server
// (graphql-transport-ws), and the change an admin's adjustStock makes shows
// in the result pane.
test('GraphiQL runs a subscription over graphql-transport-ws on /graphql', async () => {
  const sockets = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  const http = async (query, variables, token) => {
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (token) {
      headers.authorization = `Bearer ${token}`;
    }
    const reply = await fetch(new URL('/graphql', base), {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    }).then((response) => response.json());
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    return reply.data;
  };
  const { login } = await http(
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { email: 'admin@example.com', password: 'storefront-demo' } },
  );
  const { products } = await http('{ products(first: 1) { nodes { id } } }');
  const product = products.nodes[0].id;
  const subscription = 'subscription Stock { stockChanges { delta product { id } } }';

  await typeOperation(subscription);
  // The tab takes the operation's name once GraphiQL has parsed the
  // document, which is what tells its fetcher to use the WebSocket.
  await page.locator('.graphiql-tab-active').getByText('Stock').waitFor();
  await page.locator('.graphiql-execute-button').click();

  // The subscription is live once the server has registered it, which the
  // page does not show: adjust until a change appears.
  const delta = page.locator('.graphiql-response .CodeMirror').getByText('"delta"');
  for (let attempt = 1; !(await delta.isVisible()); attempt += 1) {
    assert.ok(attempt <= 100, 'no stock change reached the result pane');
    await http(
      'mutation ($id: ID!) { adjustStock(productId: $id, delta: 1, reason: "browser test") { stock } }',
      { id: product },
      login.accessToken,
    );
    await delta.waitFor({ timeout: 300 }).catch(() => {});
  }

  const url = new URL('/graphql', base);
  url.protocol = 'ws:';
  assert.deepEqual(sockets, [url.href]);
  const shown = JSON.parse(await editorText('.graphiql-response'));
  assert.deepEqual(shown.data, { stockChanges: { delta: 1, product: { id: product } } });
  await page.locator('.graphiql-execute-button').click();
});

test('nothing was requested beyond loopback', () => {
  assert.deepEqual(offsite, []);
});

test('no policy violation, page error or console error was reported', () => {
  assert.deepEqual(problems, []);
});
