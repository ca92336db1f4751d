import type { DrillPart } from '../../core/session/part.js';
import type { AuroraRun } from '../run.js';

/** A `--mode`: its help line, and how it becomes a part of a run (drivers load only then). */
export interface MonitorMode {
  help: string;
  part(run: AuroraRun): Promise<DrillPart>;
}

/** The Aurora monitors by `--mode` name: adding one is one file and one line here. */
export const monitorModes = {
  simple: {
    help: 'a new connection through DNS for every probe, as the seed lab',
    part: async (run) => (await import('./simple.js')).simplePart(run),
  },
  aware: {
    help: "the cluster's topology, straight to the writer's instance endpoint",
    part: async (run) => (await import('./aware.js')).awarePart(run),
  },
  proxy: {
    help: 'one long-lived connection through an RDS Proxy',
    part: async (run) => (await import('./proxy.js')).proxyPart(run),
  },
  pool: {
    help: 'a connection pool writing a heartbeat, as an application',
    part: async (run) => (await import('./pool.js')).poolPart(run),
  },
} satisfies Record<string, MonitorMode>;

export type ModeName = keyof typeof monitorModes;
export const modeNames = Object.keys(monitorModes) as ModeName[];
