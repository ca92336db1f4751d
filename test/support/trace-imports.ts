import { register } from 'node:module';

/**
 * `node --import .../trace-imports.js` appends every module specifier the program resolves to the file named by
 * DRILL_TRACE_IMPORTS, so a test (or bench/cold-start.mjs) can prove what a command did not load.
 */
const log = process.env.DRILL_TRACE_IMPORTS;
if (log) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      appendFileSync(${JSON.stringify(log)}, specifier + '\\n');
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
