import { usageError } from '../core/errors.js';
import type { OptionSpec } from '../core/options.js';
import type { LabTiming } from './client.js';

/** How a drill uses a lab, the same for every service: a throwaway one, or the one running from a state dir. */
export const labOptionSpecs = [
  { key: 'lab', flags: '--lab', help: 'start a throwaway local lab, drill it, and tear it down' },
  { key: 'labTiming', flags: '--lab-timing <profile>', help: 'with --lab: fast or aurora', default: 'fast' },
  {
    key: 'labStateDir',
    flags: '--lab-state-dir <dir>',
    help: 'drill the lab already running from this state dir',
  },
] as const satisfies readonly OptionSpec[];

export interface LabChoice {
  /** `--lab`: the timing of the throwaway lab. */
  lab: LabTiming | undefined;
  labStateDir: string | undefined;
}

/** `--lab` and `--lab-state-dir`, checked; `fromLab` says the target comes from a lab, not from -e. */
export function planLabChoice(o: {
  lab?: boolean;
  labTiming: string;
  labStateDir?: string;
}): LabChoice & { fromLab: boolean } {
  if (o.labStateDir !== undefined && o.labStateDir.trim() === '') {
    throw usageError("--lab-state-dir '': give the folder the lab runs from (drill lab status shows it)");
  }
  if (o.lab && o.labTiming !== 'fast' && o.labTiming !== 'aurora') {
    throw usageError(`--lab-timing must be fast or aurora, got '${o.labTiming}'`);
  }
  if (o.lab && o.labStateDir) {
    throw usageError('--lab starts a throwaway lab; --lab-state-dir uses a running one: pick one');
  }
  return {
    lab: o.lab ? (o.labTiming as LabTiming) : undefined,
    labStateDir: o.labStateDir,
    fromLab: o.lab === true || o.labStateDir !== undefined,
  };
}
