import { type Command, Option } from 'commander';
import type { OptionSpec } from '../core/options.js';

/** Adds options written once as specs (see core/options.ts) to a command. */
export function addOptions(command: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    const option = new Option(spec.flags, spec.help);
    if (spec.default !== undefined) option.default(spec.default);
    if (spec.env !== undefined) option.env(spec.env);
    command.addOption(option);
  }
  return command;
}
