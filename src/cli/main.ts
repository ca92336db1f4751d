import { Command, CommanderError, Option } from 'commander';
import { auroraExamples, auroraOptionSpecs } from '../aurora/options.js';
import { DrillError, ExitCode } from '../core/errors.js';
import { redactText } from '../core/secrets.js';
import { reportOptionSpecs } from '../core/session/plan.js';
import { defaultLabStateDir } from '../lab/defaults.js';
import { memorydbExamples, memorydbOptionSpecs } from '../memorydb/options.js';
import { catchEarlySignals, releaseEarlySignals } from './early-signals.js';
import { addOptions } from './options.js';
import { tool } from './tool.js';

function buildProgram(): Command {
  const program = new Command('drill')
    .description('Failover drills for Amazon Aurora MySQL and Amazon MemoryDB: what a client sees, measured.')
    .version(tool.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`drill: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 passed, 1 failed a gate, never recovered or the trigger never fired, 2 bad usage,
3 could not start, 4 internal error (a bug: please report it), 130 interrupted.
Docs: README.md (figures, JSON report, environment variables).`,
    );

  const aurora = program
    .command('aurora')
    .description(
      'watch an Aurora MySQL (or any MySQL/MariaDB) endpoint through a failover and measure the downtime',
    );
  addOptions(aurora, auroraOptionSpecs)
    .addHelpText('after', auroraExamples)
    .action(async (options, command: Command) => {
      const { runAurora } = await import('./aurora.js');
      process.exitCode = await runAurora(options, givenOnCommandLine(options, command));
    });

  const memorydb = program
    .command('memorydb')
    .description(
      'watch an Amazon MemoryDB (or any Redis Cluster) through a shard failover, every shard at once',
    );
  addOptions(memorydb, memorydbOptionSpecs)
    .addHelpText('after', memorydbExamples)
    .action(async (options, command: Command) => {
      const { runMemoryDb } = await import('./memorydb.js');
      process.exitCode = await runMemoryDb(options, givenOnCommandLine(options, command));
    });

  const lab = program
    .command('lab')
    .description(
      'a local Aurora MySQL lab (and MemoryDB with --memorydb): real servers that fail over like the services, with DNS and their APIs',
    );
  const stateDir = () =>
    new Option('--state-dir <dir>', 'where the lab keeps its servers, status and ground truth')
      .env('DRILL_LAB_DIR')
      .default(defaultLabStateDir());
  lab
    .command('up')
    .description('start the lab (in the foreground until Ctrl+C, or --detach)')
    .addOption(stateDir())
    .addOption(new Option('--readers <n>', 'reader instances besides the writer (0-8)').default('1'))
    .addOption(new Option('--dns-port <port>', "port of the lab's DNS server on 127.0.0.1").default('10053'))
    .addOption(new Option('--api-port <port>', "port of the lab's RDS API on 127.0.0.1").default('10080'))
    .addOption(
      new Option('--timing <profile>', 'fast (quick tests) or aurora (close to real Aurora)').default('fast'),
    )
    .addOption(
      new Option('--password <pw>', 'master password (default: generated)').env('DRILL_LAB_PASSWORD'),
    )
    .addOption(
      new Option('--lossy', 'promote without waiting for the reader to catch up: loses writes, on purpose'),
    )
    .addOption(
      new Option(
        '--require-tls',
        'instance fronts and the RDS Proxy refuse logins without TLS (require_secure_transport=ON, RequireTLS)',
      ),
    )
    .addOption(new Option('--region <region>', 'region in host names and ARNs').default('us-east-1'))
    .addOption(
      new Option('--first-address <n>', 'instances listen on 127.0.0.N, N+1, ... (port 3306)').default('11'),
    )
    .addOption(
      new Option(
        '--dns-delay <duration>',
        'after a promotion, the cluster DNS record moves this late (default: the timing profile)',
      ),
    )
    .addOption(
      new Option('--memorydb', 'add a MemoryDB cluster (redis-server nodes on 127.0.1.x, port 6379)'),
    )
    .addOption(new Option('--shards <n>', 'MemoryDB shards (1-5)').default('3'))
    .addOption(new Option('--replicas <n>', 'MemoryDB replicas per shard (0-2)').default('1'))
    .addOption(new Option('--no-tls', 'MemoryDB nodes without TLS (on by default, as in MemoryDB)'))
    .addOption(
      new Option('--memorydb-first-address <n>', 'MemoryDB nodes listen on 127.0.1.N, N+1, ...').default(
        '11',
      ),
    )
    .addOption(new Option('--detach', 'start in the background and return once ready'))
    .addOption(new Option('--no-color', 'plain text'))
    .addHelpText(
      'after',
      `
Examples:
  drill lab up                              # foreground; prints the export lines for a second terminal
  drill lab up --detach --readers 2 --timing aurora
  drill lab up --detach --memorydb          # and a MemoryDB cluster: 3 shards x (primary + replica), TLS
  drill lab status --json
  drill lab down`,
    )
    .action(async (options) => {
      const { labUp } = await import('./lab.js');
      process.exitCode = await labUp(options);
    });
  lab
    .command('status')
    .description("print the running lab's endpoints (exit 3 when none runs)")
    .addOption(stateDir())
    .addOption(new Option('--json', 'as JSON (never includes the password)'))
    .addOption(new Option('--no-color', 'plain text'))
    .action(async (options) => {
      const { labStatus } = await import('./lab.js');
      process.exitCode = labStatus(options);
    });
  lab
    .command('down')
    .description('stop the lab and everything it started (safe when none runs)')
    .addOption(stateDir())
    .action(async (options) => {
      const { labDown } = await import('./lab.js');
      process.exitCode = await labDown(options);
    });

  lab
    .command('kill')
    .description('SIGKILL a MemoryDB node (its replica takes over; the lab restarts it as a replica)')
    .argument('<node>', 'node name, e.g. my-cluster-0001-001')
    .addOption(stateDir())
    .action(async (node: string, options) => {
      const { labKill } = await import('./lab-faults.js');
      process.exitCode = await labKill(node, options);
    });
  lab
    .command('pause')
    .description('SIGSTOP a MemoryDB node, and SIGCONT it after DURATION (a hang)')
    .argument('<node>', 'node name, e.g. my-cluster-0001-001')
    .argument('<duration>', 'how long, e.g. 500ms, 5s')
    .addOption(stateDir())
    .action(async (node: string, duration: string, options) => {
      const { labPause } = await import('./lab-faults.js');
      process.exitCode = await labPause(node, duration, options);
    });

  addNotifyCommands(program);
  addReportCommands(program);

  return program;
}

/** `drill report FILE` and `drill report compare BASE NEW`: saved drills rendered again, and compared. */
function addReportCommands(program: Command): void {
  const report = program
    .command('report')
    .description(
      'render a saved drill again: a JSON report (--report), or a history (--history) analysed again, into any format',
    )
    .argument('<file>', 'a JSON report or an NDJSON history')
    .addHelpText(
      'after',
      `
Examples:
  drill report drill.ndjson                       # the summary, from the history (the source of truth)
  drill report drill.ndjson --junit junit.xml --markdown summary.md
  drill report drill.json --json
  drill report compare main.json branch.json --max-regression 20%
Exit codes: 0 rendered, 2 a file that cannot be read or is not a saved drill.`,
    );
  addOptions(report, reportOptionSpecs).action(async (file: string, options) => {
    const { runReport } = await import('./report.js');
    process.exitCode = runReport(file, options);
  });
  report
    .command('compare')
    .description(
      'set the figures of two saved drills side by side; exit 1 when a figure regressed past the limit',
    )
    .argument('<base>', 'the drill to compare against (a JSON report or a history)')
    .argument('<new>', 'the drill that may have regressed')
    .addOption(
      new Option('--max-regression <percent>', 'how much worse a gated figure may get').default('20%'),
    )
    .addOption(
      new Option(
        '--figure <names>',
        'figures to gate, comma-separated: downtime, tight-downtime, stale-role, flip-flops, read-only-errors, provider-failover, lost-writes, load-stall',
      ).default('downtime'),
    )
    .addOption(new Option('--no-color', 'plain text'))
    .addHelpText(
      'after',
      `
Exit codes: 0 no gated figure regressed past the limit, 1 one did (named), 2 a file that cannot be read,
or drills of different monitors.`,
    )
    .action(async (base: string, next: string, options) => {
      const { runCompare } = await import('./report.js');
      process.exitCode = runCompare(base, next, options);
    });
}

/** `drill notify setup|status|teardown`: failover notifications by SNS (RDS event subscription, MemoryDB topic). */
function addNotifyCommands(program: Command): void {
  const notify = program
    .command('notify')
    .description(
      'failover notifications: an SNS topic, its subscriptions, and the RDS event subscription (or MemoryDB topic)',
    );
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const common = (command: Command): Command =>
    command
      .addOption(new Option('--topic <name|arn>', 'SNS topic').default('auroralab-cluster-failovers'))
      .addOption(new Option('--subscription <name>', 'RDS event subscription name (default: the topic name)'))
      .addOption(new Option('--cluster <id>', 'Aurora DB cluster whose failover events are sent'))
      .addOption(
        new Option('--memorydb <name>', 'MemoryDB cluster whose events are sent (its cluster topic)'),
      )
      .addOption(new Option('--region <region>', "AWS region (default: AWS_REGION, or the lab's)"))
      .addOption(new Option('--profile <name>', 'AWS profile (default: AWS_PROFILE)'))
      .addOption(new Option('--endpoint-url <url>', 'send SNS, RDS and MemoryDB calls to this endpoint'))
      .addOption(
        new Option(
          '--lab-state-dir [dir]',
          "use the running lab (its API, region, credentials and cluster); no dir: the default lab's",
        ),
      )
      .addOption(new Option('--dry-run', 'print the equivalent aws CLI commands; touch nothing'))
      .addOption(new Option('--json', 'print the result as JSON on stdout'))
      .addOption(new Option('--no-color', 'plain text'));
  const endpoints = (command: Command): Command =>
    command
      .addOption(
        new Option('--email <address>', 'subscribe an email address (repeatable)').argParser(collect),
      )
      .addOption(
        new Option(
          '--https <url>',
          'subscribe an https:// endpoint; http:// only on loopback, for a lab',
        ).argParser(collect),
      )
      .addOption(new Option('--sqs <arn>', 'subscribe an SQS queue (repeatable)').argParser(collect));
  const run = (name: 'setup' | 'status' | 'teardown') => async (options: Record<string, unknown>) => {
    const { runNotify } = await import('./notify.js');
    process.exitCode = await runNotify(name, options as unknown as import('../notify/plan.js').NotifyOptions);
  };

  endpoints(common(notify.command('setup')))
    .description(
      'create the topic, subscribe endpoints, and have RDS (or MemoryDB) send failover events to it',
    )
    .addOption(new Option('--print-policy', 'print the IAM policy notify setup, status and teardown need'))
    .addHelpText(
      'after',
      `
Examples:
  drill notify setup --email me@example.com --cluster auroralab-mysql-cluster
  drill notify setup --lab-state-dir --https http://127.0.0.1:8080/     # a lab, a local listener
  drill notify setup --memorydb my-cluster --email me@example.com
  drill notify setup --print-policy --cluster auroralab-mysql-cluster > notify-policy.json
  drill notify setup --dry-run --email me@example.com --cluster auroralab-mysql-cluster   # runbook commands`,
    )
    .action(run('setup'));
  common(notify.command('status'))
    .description('show the topic, its subscriptions (confirmed or pending) and the event subscription')
    .action(run('status'));
  endpoints(common(notify.command('teardown')))
    .description('remove the event subscription and the topic with its subscriptions (safe to repeat)')
    .addOption(
      new Option(
        '--keep-topic',
        "keep the topic: unsubscribe only the endpoints named, drop drill's policy statement",
      ),
    )
    .action(run('teardown'));
}

/** Runs the CLI and returns the exit code; user errors become one line on stderr, never a stack trace. */
export async function main(
  argv: readonly string[],
  signalsWhileLoading: readonly NodeJS.Signals[] = [],
): Promise<number> {
  guardOutput();
  catchEarlySignals(signalsWhileLoading);
  const program = buildProgram();
  // Drills keep the signals caught so far; every other command gets Node's handling back before it runs.
  program.hook('preAction', (_program, action) => {
    if (action.name() !== 'aurora' && action.name() !== 'memorydb') releaseEarlySignals();
  });
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return ExitCode.usage;
  }
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.passed;
  } catch (err) {
    releaseEarlySignals();
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.passed;
      if (err.code === 'commander.help') return ExitCode.passed;
      return ExitCode.usage;
    }
    if (err instanceof DrillError) {
      process.stderr.write(`drill: ${redactText(err.message)}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      redactText(
        `drill: internal error: ${(err as Error)?.message ?? String(err)} (please report it; DRILL_DEBUG=1 shows where)\n`,
      ),
    );
    if (process.env.DRILL_DEBUG) process.stderr.write(redactText(`${(err as Error)?.stack}\n`));
    return ExitCode.internal;
  }
}

/**
 * What drill prints is for people and pipes: a reader that went away (`drill ... | head -1`) must not crash a
 * drill that is failing over a cluster; it finishes and writes its report. Node's own warnings are not for
 * users either (DRILL_DEBUG=1 shows them).
 */
function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (process.env.DRILL_DEBUG) process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

/** The options of `command` whose value the command line gave (not the environment, not a default). */
function givenOnCommandLine(options: object, command: Command): Set<string> {
  return new Set(Object.keys(options).filter((key) => command.getOptionValueSource(key) === 'cli'));
}
