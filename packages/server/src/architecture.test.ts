import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DependencyTree, parseCircular, parseDependencyTree } from 'dpdm';
import { describe, expect, it } from 'vitest';
import { MODULES } from './modules/index.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every import of every file under `dir`, type-only imports included (they tie files too). */
async function dependencyTree(dir: string): Promise<DependencyTree> {
  return parseDependencyTree([`${dir}/**/*.ts`, `${dir}/**/*.tsx`], {
    cwd: REPO_ROOT,
    context: REPO_ROOT,
    transform: false,
    skipDynamicImports: false,
    exclude: /node_modules/,
    tsconfig: undefined,
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.includes('node_modules'))
    .map((f) => path.join(dir, f));
}

describe('the layout holds (DESIGN.md "Modules")', () => {
  for (const dir of ['packages/server/src', 'packages/web/src']) {
    it(`finds no import circle in ${dir}`, async () => {
      const circles = parseCircular(await dependencyTree(dir));
      expect(circles.map((c) => c.join(' → '))).toEqual([]);
    }, 120_000);
  }

  it('lets no web page import another page', async () => {
    const tree = await dependencyTree('packages/web/src');
    const pageOf = (file: string) => /packages\/web\/src\/pages\/([^/]+)\//.exec(file)?.[1];
    const crossings: string[] = [];
    for (const [file, deps] of Object.entries(tree)) {
      const page = pageOf(file);
      if (!page) continue;
      for (const dep of deps ?? []) {
        const other = dep.id ? pageOf(dep.id) : undefined;
        if (other && other !== page) crossings.push(`${file} → ${dep.id}`);
      }
    }
    expect(crossings).toEqual([]);
  }, 120_000);

  it('casts no request part in the server: routes are typed by their zod schemas', () => {
    const casts = sourceFiles(path.join(REPO_ROOT, 'packages/server/src')).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/request\.(body|params|query) as\b/.test(line) ? [`${file}:${i + 1}`] : [])),
    );
    expect(casts).toEqual([]);
  });

  it('lists every module once, each after the modules it needs', () => {
    const seen = new Set<string>();
    for (const module of MODULES) {
      expect(seen.has(module.name), module.name).toBe(false);
      for (const needed of module.needs)
        expect(seen.has(needed), `${module.name} needs ${needed}`).toBe(true);
      seen.add(module.name);
    }
  });
});
