// The graphql-ws client library (the one GraphiQL, Apollo Client and urql
// use for graphql-transport-ws) against a running storefront server: it
// connects with an admin's token in connection_init, runs a query over the
// socket (next, then the server's complete), subscribes to stockChanges,
// receives the change an adjustStock makes, and completes the subscription.
//
// STOREFRONT_URL: a development server with its demo data (the demo admin
// signs in with the demo password).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.env.STOREFRONT_URL;
const ADMIN = { email: 'admin@example.com', password: 'storefront-demo' };

let token;
let client;
const closes = [];

// One operation over HTTP, failing on any error.
const http = async (query, variables = {}) => {
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

before(async () => {
  assert.ok(base, 'set STOREFRONT_URL to the server under test');
  const login = await http(
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: ADMIN },
  );
  token = login.login.accessToken;
  const url = new URL('/graphql', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  client = createClient({
    url: url.href,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: { closed: (event) => closes.push(event.code) },
  });
});

after(async () => {
  await client?.dispose();
});

test('a query over the socket yields its result, then the server completes it', async () => {
  const results = [];
  for await (const result of client.iterate({ query: '{ viewer { role } }' })) {
    results.push(result);
  }
  assert.equal(results.length, 1, JSON.stringify(results));
  assert.deepEqual(results[0].data, { viewer: { role: 'ADMIN' } });
  assert.equal(results[0].errors, undefined);
});

test('a stockChanges subscription receives an adjustment, then completes', async () => {
  const products = await http('{ products(first: 1) { nodes { id stock } } }');
  const product = products.products.nodes[0];
  const subscription = client.iterate({
    query: `subscription ($ids: [ID!]) {
      stockChanges(productIds: $ids) { cursor stock delta product { id } }
    }`,
    variables: { ids: [product.id] },
  });
  const first = subscription.next();
  // The subscription is live once the server has registered it, which the
  // client cannot see: adjust until the first change arrives.
  let adjustments = 0;
  let received;
  while (received === undefined) {
    adjustments += 1;
    assert.ok(adjustments <= 100, 'no stock change arrived');
    await http(
      'mutation ($id: ID!) { adjustStock(productId: $id, delta: 1, reason: "graphql-ws test") { stock } }',
      { id: product.id },
    );
    received = await Promise.race([
      first,
      new Promise((resolve) => setTimeout(resolve, 200)),
    ]);
  }
  assert.equal(received.done, false);
  const change = received.value.data.stockChanges;
  assert.equal(change.product.id, product.id);
  assert.equal(change.delta, 1);
  assert.ok(change.stock > product.stock && change.stock <= product.stock + adjustments);
  assert.ok(change.cursor.length > 0);

  const completed = await subscription.return();
  assert.equal(completed.done, true);
});

// The client is lazy: it closes its socket (1000) whenever no operation is
// left. Any other code would be the server's doing.
test("every close was the client's normal closure", () => {
  assert.ok(closes.length > 0);
  assert.deepEqual(closes.filter((code) => code !== 1000), []);
});
