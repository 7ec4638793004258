// The peer server of bench/compare.sh: PostGraphile v5 with the Amber
// preset and simplify-inflection on the bench database, given its best setup
// on this machine: NODE_ENV=production, `WORKERS` processes (default 2)
// through node:cluster sharing one port, each with a pool of `POOL` (default
// 5) connections. The primary process only forks and restarts nothing: a
// worker that dies ends the benchmark run.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/storefront_bench \
//   PORT=5678 node server.mjs
import cluster from "node:cluster";
import { createServer } from "node:http";

const workers = Number(process.env.WORKERS ?? 2);
const port = Number(process.env.PORT ?? 5678);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal ?? code})`);
    process.exit(1);
  });
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const { default: pg } = await import("pg");
  const { postgraphile } = await import("postgraphile");
  const { PostGraphileAmberPreset } = await import("postgraphile/presets/amber");
  const { PgSimplifyInflectionPreset } = await import("@graphile/simplify-inflection");
  const { makePgService } = await import("postgraphile/adaptors/pg");
  const { grafserv } = await import("postgraphile/grafserv/node");

  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.POOL ?? 5),
    // Keep idle connections: bench/compare.sh reads their backends' CPU.
    idleTimeoutMillis: 0,
  });
  const preset = {
    extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
    pgServices: [makePgService({ pool, schemas: ["public"] })],
    grafserv: { port, graphiql: false, watch: false },
    grafast: { explain: false },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.keepAliveTimeout = 65_000;
  serv.addTo(server).catch((error) => {
    console.error(error);
    process.exit(1);
  });
  server.listen(port, "127.0.0.1");
}
