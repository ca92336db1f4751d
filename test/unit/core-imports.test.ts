import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const core = fileURLToPath(new URL('../../../src/core', import.meta.url));
/** What the core may use besides Node itself and its own modules: formatting only, no driver, no SDK. */
const allowedPackages = new Set(['chalk', 'cli-table3']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module a source file names: static imports, re-exports, dynamic imports and `import('...')` types. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const re of [/\bfrom\s+'([^']+)'/g, /\bimport\s*\(\s*'([^']+)'\s*\)/g, /^\s*import\s+'([^']+)'/gm]) {
    for (const m of text.matchAll(re)) found.push(m[1] as string);
  }
  return found;
}

/** Why `spec`, imported by `file`, may not be in the core; undefined when it may. */
export function forbidden(file: string, spec: string): string | undefined {
  if (spec.startsWith('node:')) return undefined;
  if (spec.startsWith('.')) {
    const target = resolve(dirname(file), spec);
    const inside = !relative(core, target).startsWith('..');
    return inside ? undefined : `reaches outside src/core (${relative(dirname(core), target)})`;
  }
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
  return allowedPackages.has(pkg) ? undefined : `imports the package ${pkg}`;
}

describe('the core knows no service', () => {
  it('src/core imports no driver, no SDK, and nothing of src/aurora, src/lab, src/notify, src/cli', () => {
    const problems: string[] = [];
    const files = sources(core);
    assert.ok(files.length > 20, 'the scan sees the core');
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const why = forbidden(file, spec);
        if (why) problems.push(`${relative(core, file)}: ${spec} ${why}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('the scan itself catches what it must', () => {
    const file = join(core, 'analysis.ts');
    assert.match(forbidden(file, '../aurora/errors.js') ?? '', /outside src\/core/);
    assert.match(forbidden(file, '../lab/client.js') ?? '', /outside src\/core/);
    assert.match(forbidden(file, 'mysql2/promise') ?? '', /package mysql2/);
    assert.match(forbidden(file, '@aws-sdk/client-rds') ?? '', /package @aws-sdk\/client-rds/);
    assert.match(forbidden(file, 'ioredis') ?? '', /package ioredis/);
    assert.equal(forbidden(file, './report/json.js'), undefined);
    assert.equal(forbidden(file, 'node:fs'), undefined);
    assert.equal(specifiers("const x = await import('mysql2');").includes('mysql2'), true);
  });
});
