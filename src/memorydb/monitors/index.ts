import type { DrillPart } from '../../core/session/part.js';
import type { MemoryDbRun } from '../run.js';

/** A `--mode`: its help line, and how it becomes parts of a run (one per shard; ioredis loads only then). */
export interface MonitorMode {
  help: string;
  parts(run: MemoryDbRun): Promise<DrillPart[]>;
}

/** The MemoryDB monitors by `--mode` name: adding one is one file and one line here. */
export const monitorModes = {
  app: {
    help: "the application's view: an ioredis Cluster client writing to every shard",
    parts: async (run) => (await import('./app.js')).appParts(run),
  },
  nodes: {
    help: 'every node of every shard asked ROLE, and a write straight to its primary: when writes were possible',
    parts: async (run) => (await import('./nodes.js')).nodeParts(run),
  },
} satisfies Record<string, MonitorMode>;

export type ModeName = keyof typeof monitorModes;
export const modeNames = Object.keys(monitorModes) as ModeName[];
