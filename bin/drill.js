#!/usr/bin/env node
// Signals that come while the program loads are kept for it: a drill interrupted that early still ends with
// its report, and nothing it would have started is left half-started.
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const early = [];
const keep = (signal) => {
  early.push(signal);
};
for (const s of signals) process.on(s, keep);
const { main } = await import('../dist/src/cli/main.js');
for (const s of signals) process.off(s, keep);
const code = await main(process.argv, early);
process.exit(code);
