// duckdb-tpch.mjs -- the DuckDB peer of qe-bench: loads TPC-H .tbl files (as written by
// qe-dbgen) into an in-memory DuckDB and runs query files, printing the same figures as
// qe-bench (median/min/max ms of N hot runs after a warm-up, rows, geomean, load time,
// peak memory), so ratios can be measured side by side on the same data and threads.
//
//   node bench/duckdb-tpch.mjs --data DIR [--schema data/schemas/tpch.sql] [--threads N]
//                              [-n N] [--csv OUT.csv] QUERY.sql...
//
// Needs the npm package @duckdb/node-api: `npm install --prefix bench` (bench/package.json).  The .tbl files end every line with '|';
// they are read with read_csv(..., delim='|', header=false) and the trailing empty
// column is dropped.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

function parseArgs(argv) {
  const o = { data: null, schema: 'data/schemas/tpch.sql', threads: null, n: 5, csv: null, queries: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') o.data = argv[++i];
    else if (a === '--schema') o.schema = argv[++i];
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '-n') o.n = Number(argv[++i]);
    else if (a === '--csv') o.csv = argv[++i];
    else if (a.startsWith('-')) throw new Error(`invalid argument "${a}"`);
    else o.queries.push(a);
  }
  if (!o.data || o.queries.length === 0)
    throw new Error('usage: duckdb-tpch.mjs --data DIR [--schema FILE] [--threads N] [-n N] [--csv OUT] QUERY.sql...');
  return o;
}

// The table names and column counts of the schema's CREATE TABLE statements.
function schemaTables(ddl) {
  const tables = [];
  for (const m of ddl.matchAll(/CREATE TABLE\s+(\w+)\s*\(([\s\S]*?)\);/gi)) {
    const cols = m[2].split('\n').map((l) => l.trim()).filter((l) => /^\w+\s+\w/.test(l));
    tables.push({ name: m[1], ncols: cols.length });
  }
  return tables;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  if (o.threads) await con.run(`SET threads = ${o.threads}`);
  const ddl = fs.readFileSync(o.schema, 'utf8');
  const t0 = performance.now();
  await con.run(ddl.replace(/--.*$/gm, ''));
  for (const t of schemaTables(ddl)) {
    const file = path.join(o.data, `${t.name}.tbl`);
    const cols = Array.from({ length: t.ncols }, (_, i) => `#${i + 1}`);
    await con.run(`INSERT INTO ${t.name} SELECT ${cols.join(', ')} FROM read_csv('${file}', delim = '|', header = false, quote = '', escape = '', all_varchar = true, null_padding = true)`);
  }
  console.log(`load (duckdb): ${(performance.now() - t0).toFixed(1)} ms`);
  const lines = ['query,mode,rows,runs,median_ms,min_ms,max_ms'];
  console.log('query                    mode             rows    median_ms       min_ms       max_ms');
  let logSum = 0, nOk = 0;
  for (const q of o.queries) {
    const name = path.basename(q).replace(/\.sql$/, '');
    const sql = fs.readFileSync(q, 'utf8');
    try {
      let rows = (await con.runAndReadAll(sql)).currentRowCount; // warm-up
      const times = [];
      for (let i = 0; i < o.n; i++) {
        const s = performance.now();
        const r = await con.runAndReadAll(sql);
        times.push(performance.now() - s);
        rows = r.currentRowCount;
      }
      const med = median(times);
      logSum += Math.log(Math.max(med, 1e-6));
      nOk++;
      console.log(`${name.padEnd(24)} ${'duckdb'.padEnd(10)} ${String(rows).padStart(10)} ${med.toFixed(3).padStart(12)} ${Math.min(...times).toFixed(3).padStart(12)} ${Math.max(...times).toFixed(3).padStart(12)}`);
      lines.push(`${name},duckdb,${rows},${o.n},${med.toFixed(3)},${Math.min(...times).toFixed(3)},${Math.max(...times).toFixed(3)}`);
    } catch (e) {
      console.log(`${name.padEnd(24)} ${'duckdb'.padEnd(10)} ${'-'.padStart(10)} ${'failed'.padStart(12)}  ${e.message.split('\n')[0]}`);
    }
  }
  if (nOk) console.log(`geomean duckdb     ${Math.exp(logSum / nOk).toFixed(3)} ms over ${nOk} queries`);
  console.log(`peak memory (max RSS of the process): ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
  if (o.csv) fs.writeFileSync(o.csv, lines.join('\n') + '\n');
}

main().catch((e) => { console.error(`duckdb-tpch: ${e.message}`); process.exit(1); });
