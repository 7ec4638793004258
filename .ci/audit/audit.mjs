#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit for the storefront server.
//
// Usage: node audit.mjs http://127.0.0.1:8123/graphql
//
// Runs every server audit shipped by the `graphql-http` package (the same list
// that its `auditServer()` runs) against the given URL, prints each result and
// exits:
//   0  every MUST and SHOULD audit is `ok` (or the SHOULD is allow-listed)
//   1  at least one MUST or non-allow-listed SHOULD audit is not `ok`,
//      or an audit could not complete at all (network error, timeout)
//   2  usage error, bad allowed.json, or the server is not reachable
//
// MAY audits that fail (status `notice`) are printed but never fail the run.
//
// allowed.json (next to this file) is a JSON array of audit ids ("9ABE") or
// full audit names ("SHOULD respond with 4xx ...") for SHOULD audits we
// deliberately answer otherwise. It never excuses a MUST.
//
// Why serverAudits() and not auditServer(): auditServer() is literally
// `Promise.all(serverAudits(opts).map(a => a.fn()))`, so a single fatal error
// (connection reset, timeout) in one audit rejects the whole run and loses
// every other result. Running the same audits one by one keeps the other
// results and reports the fatal one as an error.
//
// Environment:
//   AUDIT_TIMEOUT_MS  per-request timeout in milliseconds (default 10000)

import { readFile } from 'node:fs/promises';
import { serverAudits } from 'graphql-http';

const TIMEOUT_MS = Number.parseInt(process.env.AUDIT_TIMEOUT_MS ?? '10000', 10);
const ALLOWED_PATH = new URL('./allowed.json', import.meta.url);

function usage(msg) {
  if (msg) console.error(`audit: ${msg}`);
  console.error('usage: node audit.mjs <graphql-url>   e.g. http://127.0.0.1:8123/graphql');
  process.exit(2);
}

function levelOf(name) {
  const word = name.split(' ', 1)[0];
  return ['MUST', 'SHOULD', 'MAY'].includes(word) ? word : 'UNKNOWN';
}

async function loadAllowed() {
  let text;
  try {
    text = await readFile(ALLOWED_PATH, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  let list;
  try {
    list = JSON.parse(text);
  } catch (err) {
    console.error(`audit: ${ALLOWED_PATH.pathname} is not valid JSON: ${err.message}`);
    process.exit(2);
  }
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    console.error(`audit: ${ALLOWED_PATH.pathname} must be a JSON array of strings (audit ids or names)`);
    process.exit(2);
  }
  return list;
}

// fetch with a hard per-request timeout so a hung server cannot hang the audit.
function timedFetch(input, init = {}) {
  return fetch(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

async function describeResponse(res) {
  if (!res || typeof res.status !== 'number') return '';
  const ct = res.headers?.get?.('content-type') ?? '(none)';
  let body = '';
  try {
    if (!res.bodyUsed) {
      body = (await res.text()).replace(/\s+/g, ' ').trim();
      if (body.length > 300) body = `${body.slice(0, 300)}…`;
    }
  } catch {
    body = '';
  }
  return `HTTP ${res.status}, content-type: ${ct}${body ? `, body: ${body}` : ''}`;
}

async function main() {
  const url = process.argv[2];
  if (!url) usage('missing URL');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') usage(`not an http(s) URL: ${url}`);
  } catch {
    usage(`invalid URL: ${url}`);
  }
  if (!Number.isFinite(TIMEOUT_MS) || TIMEOUT_MS <= 0) usage('AUDIT_TIMEOUT_MS must be a positive integer');

  const allowed = await loadAllowed();

  // Pre-flight: make sure something is listening, so an unreachable server
  // gives one clear message instead of 61 identical failures.
  try {
    await timedFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
  } catch (err) {
    console.error(`audit: cannot reach ${url}: ${err.cause?.message ?? err.message}`);
    process.exit(2);
  }

  const audits = serverAudits({ url, fetchFn: timedFetch });
  console.log(`graphql-http server audit against ${url} (${audits.length} audits)`);
  console.log('');

  const rows = [];
  for (const a of audits) {
    let result;
    let fatal = false;
    try {
      result = await a.fn();
    } catch (err) {
      // Not an assertion failure: the request itself blew up.
      fatal = true;
      result = {
        id: a.id,
        name: a.name,
        status: 'error',
        reason: `audit could not complete: ${err?.cause?.message ?? err?.message ?? String(err)}`,
      };
    }
    const level = levelOf(result.name);
    const isAllowed = allowed.includes(result.id) || allowed.includes(result.name);
    let failing = false;
    let note = '';
    if (result.status !== 'ok') {
      if (fatal) {
        failing = true; // a request that errors out or hangs is a failure at any level
      } else if (level === 'MUST' || level === 'UNKNOWN') {
        failing = true;
        if (isAllowed) note = ' (allow-list ignored: MUST audits cannot be allowed)';
      } else if (level === 'SHOULD') {
        failing = !isAllowed;
        if (isAllowed) note = ' (allowed by allowed.json)';
      }
    } else if (isAllowed) {
      note = ' (allow-listed but now ok: consider removing from allowed.json)';
    }
    const detail = result.status === 'ok' || fatal ? '' : await describeResponse(result.response);
    rows.push({ ...result, level, failing, note, detail });
  }

  for (const r of rows) {
    const mark = r.failing ? 'FAIL' : '    ';
    console.log(`${mark} ${r.status.padEnd(6)} ${r.level.padEnd(6)} ${r.id}  ${r.name}${r.note}`);
    if (r.status !== 'ok') {
      console.log(`            reason: ${r.reason}`);
      if (r.detail) console.log(`            got:    ${r.detail}`);
    }
  }

  const known = new Set(rows.flatMap((r) => [r.id, r.name]));
  const stale = allowed.filter((x) => !known.has(x));
  for (const s of stale) console.log(`note: allowed.json entry matches no audit: ${JSON.stringify(s)}`);

  const count = (pred) => rows.filter(pred).length;
  const failing = rows.filter((r) => r.failing);
  console.log('');
  console.log(
    `summary: ${rows.length} audits; ok ${count((r) => r.status === 'ok')}, ` +
      `warn ${count((r) => r.status === 'warn')}, notice ${count((r) => r.status === 'notice')}, ` +
      `error ${count((r) => r.status === 'error')}; ` +
      `allowed ${count((r) => r.status !== 'ok' && r.note.startsWith(' (allowed'))}; failing ${failing.length}`,
  );
  if (failing.length > 0) {
    console.log(
      `audit FAILED: ${failing.length} audit(s) failing (MUST/SHOULD not ok, or request failed): ` +
        failing.map((r) => r.id).join(', '),
    );
    process.exit(1);
  }
  console.log('audit passed: every MUST and SHOULD audit is ok or allow-listed');
}

main().catch((err) => {
  console.error(`audit: fatal: ${err?.stack ?? err}`);
  process.exit(2);
});
