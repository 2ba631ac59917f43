import { Command } from 'commander';
import { loadConfig } from './config.js';
import { migrate, openDatabase } from './db/database.js';
import { verifyAuditChain } from './identity/audit.js';

/** `citywatch …`: operator commands. Each exits non-zero with a message when it fails. */
const program = new Command('citywatch').description('citywatch 社会治安防控平台 — operator commands');

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

program
  .command('migrate')
  .description('apply pending database migrations (PGlite under ./data, or DATABASE_URL)')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
    try {
      const applied = await migrate(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await db.close();
    }
  });

program
  .command('serve')
  .description('start the platform (same as npm start without building the web app)')
  .action(async () => {
    await import('./main.js');
  });

const audit = program.command('audit').description('the tamper-evident audit log');
audit
  .command('verify')
  .description('check the hash chain; exits 0 when intact, 1 naming the first bad row')
  .action(async () => {
    const result = await withDatabase((db) => verifyAuditChain(db.kysely));
    if (result.ok) {
      console.log(`audit chain intact: ${result.checked} rows verified`);
    } else {
      console.error(
        `audit chain BROKEN at row ${result.firstBadSeq}: ${result.reason} (${result.checked} rows verified before it)`,
      );
      process.exitCode = 1;
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`citywatch: ${(error as Error).message}`);
  process.exit(2);
});
