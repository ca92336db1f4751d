import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

export const tool = { name: pkg.name, version: pkg.version };

/** Every mode the tool knows of; the ones not in `availableModes` are announced but not built yet. */
export const knownModes = ['simple', 'aware', 'proxy', 'pool'] as const;
export const availableModes = ['simple', 'aware', 'proxy'] as const;
export type Mode = (typeof availableModes)[number];
