// Runs `once(timing)` `runs` times for each lab timing profile and prints a row of medians per profile; columns
// ending in `Ms` are milliseconds, the others counts.
export async function printMedians(title, columns, runs, once) {
  console.log(title);
  console.log(['profile', ...columns].map((c) => c.padStart(20)).join(''));
  for (const timing of ['fast', 'aurora']) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await once(timing));
    const median = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
    const cell = (c) => (c.endsWith('Ms') ? `${Math.round(median(c))} ms` : String(median(c)));
    console.log([timing, ...columns.map(cell)].map((c) => c.padStart(20)).join(''));
  }
}
