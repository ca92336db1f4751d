// Preloaded by bench/probe-instructions.mjs into each process it counts (node --expose-gc --require): on SIGURG,
// a full garbage collection, then a line on stderr saying it is done, so the bench can start and end its window
// on a clean heap. SIGURG is ignored by default: a process without this file is not disturbed by it.
let collections = 0;
process.on('SIGURG', () => {
  globalThis.gc();
  collections++;
  process.stderr.write(`collected ${collections}\n`);
});
