// Starts GraphiQL against this server: operations over HTTP on /graphql,
// subscriptions over a WebSocket on the same path with graphql-transport-ws
// (the protocol of the graphql-ws client bundled in GraphiQL). A served
// file rather than an inline script, so that the page's policy can be
// `script-src 'self'`.
//
// This script's nonce is the one the page's policy admits for styles:
// GraphiQL's dialogs inject a `<style>` element and tag it with
// `__webpack_nonce__`.
(() => {
  'use strict';
  window.__webpack_nonce__ = document.currentScript.nonce;
  const url = new URL('/graphql', window.location.href);
  const subscriptionUrl = new URL(url);
  subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const fetcher = GraphiQL.createFetcher({
    url: url.href,
    subscriptionUrl: subscriptionUrl.href,
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
  );
})();
