import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MODULES } from '../modules/index.js';
import type { Db } from './database.js';

/** Every module's migration folder, in MODULES order (the files' numbers give the global order). */
export function moduleMigrationDirs(): string[] {
  return MODULES.flatMap((m) => (m.migrations ? [m.migrations] : []));
}

/**
 * Applies the numbered plain-SQL migrations not yet applied, each in its own transaction, the
 * same files on PGlite and PostgreSQL. The files live in their modules' folders; their numbers
 * are one order across modules (a number used twice is refused). Two nodes starting together
 * serialise on a transaction-level advisory lock; the loser's insert into schema_migrations
 * conflicts and it moves on.
 */
export async function migrate(db: Db, dirs: readonly string[] = moduleMigrationDirs()): Promise<string[]> {
  await db.execScript(`
    create extension if not exists pg_trgm;
    create table if not exists schema_migrations (
      version text primary key,
      applied_at timestamptz not null default now()
    );`);
  const files = await migrationFiles(dirs);
  const done = new Set(
    (await db.kysely.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version),
  );
  const applied: string[] = [];
  for (const { version, file } of files) {
    if (done.has(version)) continue;
    const body = await readFile(file, 'utf8');
    try {
      await db.execScript(
        `begin;\nselect pg_advisory_xact_lock(741852);\ninsert into schema_migrations (version) values ('${version}');\n${body}\n;commit;`,
      );
      applied.push(version);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') continue; // another node applied it
      throw new Error(`migration ${version} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return applied;
}

export async function migrationFiles(dirs: readonly string[]): Promise<{ version: string; file: string }[]> {
  const files: { version: string; number: string; file: string }[] = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir)) {
      const match = /^(\d+)_.+\.sql$/.exec(name);
      if (match)
        files.push({ version: name.replace(/\.sql$/, ''), number: match[1], file: path.join(dir, name) });
    }
  }
  files.sort((a, b) => a.version.localeCompare(b.version));
  for (let i = 1; i < files.length; i++) {
    if (files[i].number === files[i - 1].number) {
      throw new Error(
        `migration number ${files[i].number} is used twice: ${files[i - 1].file} and ${files[i].file}`,
      );
    }
  }
  return files.map(({ version, file }) => ({ version, file }));
}
