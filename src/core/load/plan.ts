import { usageError } from '../errors.js';
import { parseWhole } from '../numbers.js';
import type { OptionSpec } from '../options.js';
import type { LoadShape } from './messages.js';

const defaultMix = 'read=80,write=20';

/** `--load` and its shaping options, the same for every service (what a read and a write are is the service's). */
export const loadOptionSpecs = [
  {
    key: 'load',
    flags: '--load <n>',
    help: 'N application connections running reads and writes through the drill',
  },
  {
    key: 'loadMix',
    flags: '--load-mix <mix>',
    help: 'relative weights of the load: read=W,write=W',
    default: defaultMix,
  },
  {
    key: 'loadRate',
    flags: '--load-rate <ops>',
    help: 'hold the load to this many operations per second in all',
  },
] as const satisfies readonly OptionSpec[];

/** `--load N` checked; undefined without it. `--load-mix`/`--load-rate` alone would be silently ignored: refused. */
export function planLoad(o: { load?: string; loadMix: string; loadRate?: string }): LoadShape | undefined {
  if (o.load === undefined) {
    if (o.loadMix !== defaultMix) throw usageError('--load-mix shapes the --load workload: give --load N');
    if (o.loadRate !== undefined) throw usageError('--load-rate holds the --load workload: give --load N');
    return undefined;
  }
  return {
    workers: parseWhole(o.load, '--load', 1, 256),
    mix: parseMix(o.loadMix),
    rateLimit: o.loadRate === undefined ? null : parseWhole(o.loadRate, '--load-rate', 1, 1_000_000),
  };
}

/** `--load-mix read=80,write=20`: relative weights, either may be 0 but not both. */
function parseMix(text: string): { read: number; write: number } {
  const mix = { read: 0, write: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const [key, value] = part.split('=').map((x) => x.trim());
    if ((key !== 'read' && key !== 'write') || value === undefined || !/^\d{1,6}$/.test(value)) {
      throw usageError(
        `--load-mix '${text}': use read=W,write=W with whole-number weights, e.g. read=80,write=20`,
      );
    }
    if (seen.has(key)) throw usageError(`--load-mix '${text}' gives ${key} twice`);
    seen.add(key);
    mix[key] = Number(value);
  }
  if (mix.read + mix.write === 0) throw usageError(`--load-mix '${text}': the weights add up to 0`);
  return mix;
}
