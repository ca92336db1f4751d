import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

export const tool = { name: pkg.name, version: pkg.version };

/** The Aurora monitors, by `--mode` name. */
export const knownModes = ['simple', 'aware', 'proxy', 'pool'] as const;
export type Mode = (typeof knownModes)[number];
