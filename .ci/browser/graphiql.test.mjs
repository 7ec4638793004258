// GraphiQL in headless Chromium, offline: the page at `/` renders, a query
// typed into its editor runs, its result shows in the result pane, a dialog
// (which injects a style element) opens, and a subscription goes over a
// WebSocket on /graphql with graphql-transport-ws.
// Every request beyond loopback is aborted and fails the run, and so does
// any Content Security Policy violation, page error or console error.
//
// STOREFRONT_URL: the server (e.g. http://127.0.0.1:8000), a development
// instance with its demo data. CHROMIUM: the browser (default
// /usr/bin/chromium). SCREENSHOT: if set, where to save a PNG of the page
// after the query ran.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const base = process.env.STOREFRONT_URL;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const QUERY = '{ products(first: 2) { nodes { name } } }';

// Requests that tried to leave this machine, and everything the page
// reported as wrong.
const offsite = [];
const problems = [];
const graphqlRequests = [];
let browser;
let page;

const isLoopback = (url) => LOOPBACK.has(new URL(url).hostname);

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
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || isLoopback(url)) {
      return route.continue();
    }
    offsite.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(
    (url) => !isLoopback(url.href),
    (socket) => {
      offsite.push(socket.url());
      return socket.close();
    },
  );
  // Reported by the browser itself, so that the page's policy cannot hide
  // its own violations.
  await context.exposeBinding('reportViolation', (_source, violation) => {
    problems.push(`CSP violation: ${violation}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.reportViolation(
        `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} ` +
          `(${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
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

// The server's side of subscriptions is not there yet: a stand-in answers
// the page's WebSocket as a graphql-transport-ws server would.
test('GraphiQL runs a subscription over graphql-transport-ws on /graphql', async () => {
  const sockets = [];
  const subscribed = [];
  const event = { data: { stockChanges: { stock: 7, delta: -1 } } };
  await page.routeWebSocket(
    (url) => isLoopback(url.href) && url.pathname === '/graphql',
    (socket) => {
      sockets.push(socket.url());
      socket.onMessage((raw) => {
        const message = JSON.parse(raw);
        if (message.type === 'connection_init') {
          socket.send(JSON.stringify({ type: 'connection_ack' }));
        } else if (message.type === 'subscribe') {
          subscribed.push(message.payload.query);
          socket.send(JSON.stringify({ id: message.id, type: 'next', payload: event }));
          socket.send(JSON.stringify({ id: message.id, type: 'complete' }));
        }
      });
    },
  );
  const subscription = 'subscription Stock { stockChanges { stock delta } }';

  await typeOperation(subscription);
  // The tab takes the operation's name once GraphiQL has parsed the
  // document, which is what tells its fetcher to use the WebSocket.
  await page.locator('.graphiql-tab-active').getByText('Stock').waitFor();
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.graphiql-response .CodeMirror').getByText('"delta"').waitFor();

  const url = new URL('/graphql', base);
  url.protocol = 'ws:';
  assert.deepEqual(sockets, [url.href]);
  assert.deepEqual(subscribed, [subscription]);
  assert.deepEqual(JSON.parse(await editorText('.graphiql-response')), event);
});

test('nothing was requested beyond loopback', () => {
  assert.deepEqual(offsite, []);
});

test('no policy violation, page error or console error was reported', () => {
  assert.deepEqual(problems, []);
});
