/**
 * A command-line option, written once: commander is built from it, and the type of the options object a
 * command receives is derived from it. `<value>` in `flags` makes a string option, `--no-x` a negatable one.
 */
export interface OptionSpec {
  readonly key: string;
  readonly flags: string;
  readonly help: string;
  readonly default?: string;
  readonly env?: string;
}

/** Options with a default, and `--no-x` ones, always have a value; the others may be absent. */
type Always<S extends OptionSpec> = S extends { default: string }
  ? true
  : S['flags'] extends `--no-${string}`
    ? true
    : false;

type ValueOf<S extends OptionSpec> = S['flags'] extends `${string}<${string}` ? string : boolean;

/** The options object commander hands a command built from `specs`. */
export type OptionsOf<Specs extends readonly OptionSpec[]> = {
  [S in Specs[number] as Always<S> extends true ? S['key'] : never]: ValueOf<S>;
} & {
  [S in Specs[number] as Always<S> extends true ? never : S['key']]?: ValueOf<S>;
};
