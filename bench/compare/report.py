"""Turns bench/compare.sh's measurements into the Markdown table it prints
and records in bench/RESULTS.md: medians over the runs per workload,
connection count and server, a ratio row per pair, and the ceilings.

    report.py RESULTS.tsv PEAKS.tsv STATEMENTS.tsv PGBENCH_TPS < header lines
"""
import statistics
import sys
from collections import defaultdict

NAMES = {
    "storefront": "Storefront",
    "postgraphile": "PostGraphile",
    "bare": "bare async-graphql",
    "sf-entity": "Storefront, entity cache (Redis, L1 off)",
    "sf-entity-l1": "Storefront, entity cache (Redis + L1)",
    "sf-response": "Storefront, response cache (Redis, L1 off)",
    "sf-response-l1": "Storefront, response cache (Redis + L1)",
}
STOREFRONTS = ["storefront", "sf-entity", "sf-entity-l1", "sf-response", "sf-response-l1"]
WORKLOADS = {
    "catalog": "catalog page",
    "orders": "admin orders page",
    "product": "product by slug",
    "typename": "`{ __typename }`",
}


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def fmt(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def ratio(a, b):
    return "–" if a is None or b in (None, 0) else f"{a / b:.2f}×"


def main():
    results_path, peaks_path, statements_path, pgbench = sys.argv[1:5]
    runs = defaultdict(list)
    order = []
    for w, c, s, _r, rps, p50, p99, requests, srv_ms, pg_ms, noise in read_tsv(results_path):
        key = (w, int(c), s)
        if key not in order:
            order.append(key)
        n = max(int(requests), 1)
        runs[key].append(
            {"rps": float(rps), "p50": int(p50) / 1000, "p99": int(p99) / 1000,
             "srv": float(srv_ms) / n, "pg": float(pg_ms) / n, "noise": float(noise)})
    peaks = {(w, int(c), s): int(kb) / 1024 for w, c, s, kb in read_tsv(peaks_path)}
    statements = {}
    for key, n in read_tsv(statements_path):
        w, s = key.split(".")
        statements[(w, s)] = float(n)

    row = {}
    for key, values in runs.items():
        row[key] = {m: statistics.median(v[m] for v in values) for m in ("rps", "p50", "p99", "srv", "pg")}
        row[key]["noise"] = max(v["noise"] for v in values)
        row[key]["rss"] = peaks.get(key)
        row[key]["stmts"] = statements.get((key[0], key[2]))

    for line in sys.stdin:
        if line.startswith("date: "):
            print(f"## {line[6:].strip()}: bench/compare.sh")
            print()
        else:
            print(f"- {line.strip()}")
    print()
    print("| workload | conns | server | req/s | p50 ms | p99 ms | server CPU ms/req | PostgreSQL CPU ms/req"
          " | statements/req | peak RSS MB | others' CPU % (max) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    pairs = []
    for key in order:
        w, c, s = key
        r = row[key]
        print(f"| {WORKLOADS[w]} | {c} | {NAMES[s]} | {fmt(r['rps'], 0)} | {fmt(r['p50'])} | {fmt(r['p99'])}"
              f" | {fmt(r['srv'], 2)} | {fmt(r['pg'], 2)} | {fmt(r['stmts'])} | {fmt(r['rss'], 0)}"
              f" | {fmt(r['noise'])} |")
        other = (w, c, "postgraphile")
        if s == "storefront" and other in row:
            pairs.append(key)
        for ours in STOREFRONTS:
            if s == "postgraphile" and (w, c, ours) in row:
                a, b = row[(w, c, ours)], r
                print(f"| {WORKLOADS[w]} | {c} | **{NAMES[ours]} / PostGraphile** | **{ratio(a['rps'], b['rps'])}**"
                      f" | {ratio(a['p50'], b['p50'])} | {ratio(a['p99'], b['p99'])} | {ratio(a['srv'], b['srv'])}"
                      f" | {ratio(a['pg'], b['pg'])} | {ratio(a['stmts'], b['stmts'])} | {ratio(a['rss'], b['rss'])} | |")
    print()
    print("Ceilings (Storefront as a fraction of each):")
    print()
    for (w, c, s) in order:
        if s == "bare" and (w, c, "storefront") in row:
            a, b = row[(w, c, "storefront")], row[(w, c, s)]
            print(f"- `{{ __typename }}` at {c} connections: Storefront {fmt(a['rps'], 0)} req/s, bare async-graphql"
                  f" + axum {fmt(b['rps'], 0)} req/s: **{ratio(a['rps'], b['rps'])}**"
                  f" (server CPU per request {fmt(a['srv'], 3)} vs {fmt(b['srv'], 3)} ms).")
    if pgbench:
        tps = float(pgbench)
        for (w, c, s) in order:
            if w == "catalog" and s == "storefront":
                a = row[(w, c, s)]
                print(f"- catalog page at {c} connections: Storefront {fmt(a['rps'], 0)} req/s, pgbench replaying its"
                      f" statements {fmt(tps, 0)} pages/s: **{ratio(a['rps'], tps)}**.")
    print()
    print("req/s, p50 and p99 are medians over the runs; CPU per request is each run's CPU time over its"
          " requests (server: the server's processes from /proc/PID/stat; PostgreSQL: the bench"
          " database's backends), median over the runs. Statements per request are counted in"
          " PostgreSQL's own log (log_statement=all during a separate check phase; BEGIN/COMMIT count)."
          " Peak RSS is VmHWM summed over the server's processes (PostGraphile: primary + workers),"
          " reset before each workload's runs. For the rows with a cache, the server's processes include"
          " the Redis they use (its CPU and RSS count). \"Others' CPU\" is the share of the machine's CPU taken"
          " during a run by everything but the server under test, its PostgreSQL backends and wrk.")


main()
