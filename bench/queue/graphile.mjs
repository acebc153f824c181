// graphile-worker side of the benchmark: the same no-op jobs, the same
// concurrency, the same PostgreSQL.
//   node graphile.mjs DATABASE_URL CONCURRENCY JOBS [IDLE_SECS]
import { run, makeWorkerUtils } from "graphile-worker";

const [url, concurrencyArg, jobsArg, idleArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 4);
const jobs = Number(jobsArg ?? 10000);
const idleSecs = Number(idleArg ?? 0);
const quiet = new (await import("graphile-worker")).Logger(() => () => {});

const utils = await makeWorkerUtils({ connectionString: url, logger: quiet });
await utils.migrate();
await utils.withPgClient((client) =>
  client.query("select graphile_worker.add_job('noop', '{}'::json) from generate_series(1, $1)", [jobs]),
);
await utils.release();

let done = 0;
let finished;
const allDone = new Promise((resolve) => (finished = resolve));
const start = process.hrtime.bigint();
const runner = await run({
  connectionString: url,
  concurrency,
  maxPoolSize: concurrency + 2,
  pollInterval: 2000,
  noHandleSignals: true,
  logger: quiet,
  taskList: {
    noop: async () => {
      done += 1;
      if (done === jobs) finished();
    },
  },
});
await allDone;
const secs = Number(process.hrtime.bigint() - start) / 1e9;
await runner.stop();
console.log(`graphile workers=${concurrency} jobs=${jobs} seconds=${secs.toFixed(2)} jobs_per_sec=${Math.round(jobs / secs)}`);

if (idleSecs > 0) {
  const idle = await run({
    connectionString: url,
    concurrency,
    noHandleSignals: true,
    logger: quiet,
    taskList: { noop: async () => {} },
  });
  await new Promise((r) => setTimeout(r, 2000));
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, idleSecs * 1000));
  const used = process.cpuUsage(before);
  console.log(`graphile idle_secs=${idleSecs} cpu_ms=${Math.round((used.user + used.system) / 1000)}`);
  await idle.stop();
}
process.exit(0);
