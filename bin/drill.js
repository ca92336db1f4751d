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
// Output to a pipe is written asynchronously: exiting at once would cut a long --json short (at 64 KB). An empty
// write's callback runs once everything written before it has been handed over; then exit, as anything the drill
// left running (a socket, a timer) must not keep the process alive.
process.exitCode = code;
const flushed = (stream) =>
  new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
