// The lab that bench/probe-cost.mjs and bench/probe-instructions.mjs measure against: started detached on
// 127.0.0.<first> and up (proxy one below), or the one running in PROBE_LAB_STATE_DIR (then kept at the end); and
// the target bench/probe-bare.mjs is given (PROBE_TARGET) to do the drill's work against it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));

/** Starts (or finds) the lab; `down()` stops and removes one this started. */
export function probeLab(first) {
  const given = process.env.PROBE_LAB_STATE_DIR;
  const stateDir = given ?? mkdtempSync(join(tmpdir(), 'drill-bench-probe-'));
  const [dnsPort, apiPort] = [`${11000 + +first}`, `${11300 + +first}`];
  const lab = (...args) => execFileSync(process.execPath, [drill, 'lab', ...args], { encoding: 'utf8' });
  // The DNS and API ports follow the first address, so two benches on different addresses do not meet.
  if (!given) {
    const ports = ['--dns-port', dnsPort, '--api-port', apiPort];
    lab('up', '--detach', '--state-dir', stateDir, '--first-address', `${first}`, ...ports);
  }

  const down = () => {
    if (given) return;
    lab('down', '--state-dir', stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const status = JSON.parse(lab('status', '--json', '--state-dir', stateDir));
    const password = readFileSync(join(stateDir, 'password'), 'utf8').trim();
    const target = {
      dnsPort,
      user: status.aurora.user,
      password,
      cluster: status.aurora.clusterEndpoint,
      proxy: status.aurora.proxyEndpoint,
      instances: status.aurora.instances.map((i) => i.host),
    };
    return { target, password, dnsPort, down };
  } catch (err) {
    down();
    throw err;
  }
}
