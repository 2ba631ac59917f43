/**
 * For tests: a CAP document checked against the official OASIS CAP 1.2 XSD with xmllint (Debian
 * libxml2-utils). Returns xmllint's complaints, empty when the document validates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CAP_XSD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'CAP-v1.2.xsd');

/** xmllint's errors for the document (`schema`: an XSD path; without it, well-formedness only). */
export function xmllintErrors(xml: string, schema: string | null = CAP_XSD): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'cap-'));
  const file = path.join(dir, 'doc.xml');
  writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', ...(schema ? ['--schema', schema] : []), file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return [];
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? error);
    return stderr.split('\n').filter((l) => l.trim() !== '' && !l.endsWith(' validates'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
