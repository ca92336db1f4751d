import { register } from 'node:module';

/**
 * `node --import .../trace-imports.js` appends a line per module resolution to the file named by
 * DRILL_TRACE_IMPORTS: the resolved URL, then the specifier asked for, so a test (or bench/cold-start.mjs)
 * can prove what a command did not load. The URL names the module's folder (`.../dist/src/lab/api/rds.js`),
 * where the specifier may not (`./api/rds.js`).
 */
const log = process.env.DRILL_TRACE_IMPORTS;
if (log) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(${JSON.stringify(log)}, resolved.url + ' ' + specifier + '\\n');
      return resolved;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
