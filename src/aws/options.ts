import type { OptionSpec } from '../core/options.js';

/** Where and as whom a drill calls AWS: the same two options for every service. */
export const awsOptionSpecs = [
  { key: 'region', flags: '--region <region>', help: 'AWS region', env: 'AWS_REGION' },
  { key: 'profile', flags: '--profile <name>', help: 'AWS profile', env: 'AWS_PROFILE' },
] as const satisfies readonly OptionSpec[];
