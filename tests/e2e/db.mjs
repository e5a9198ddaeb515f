// db.mjs - the browser tests read the server's database to check what a click
// wrote. The same queries run on a SQLite file (sqlite3) and on a PostgreSQL
// database (psql), which prints rows the same way (a|b); the few SQLite-only
// spellings the tests use are rewritten for PostgreSQL here.
import { execFileSync } from 'node:child_process';

const isPg = (db) => /^postgres(ql)?:\/\//.test(db);

function forPg(q) {
  return q
    .replace(/date\('now'\)/g, "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
    .replace(/group_concat\(([^,()]+), *'([^']*)'\)/g, "string_agg(($1)::text, '$2')");
}

export function sqlOn(db) {
  if (!db) throw new Error('ICS_DB is not set');
  return (q) => isPg(db)
    ? execFileSync('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', forPg(q)],
      { encoding: 'utf8' }).trim()
    : execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();
}
