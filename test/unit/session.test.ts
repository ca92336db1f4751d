import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { manualClock } from '../../src/core/clock.js';
import type { Monitor } from '../../src/core/drill.js';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import type { History, Observation, Unstamped } from '../../src/core/history.js';
import type { Renderer, SessionResult } from '../../src/core/report/renderer.js';
import { styleFor } from '../../src/core/report/style.js';
import type { DrillPart, DrillService, PreparedTrigger } from '../../src/core/session/part.js';
import { runSession, type SessionIO, type SessionOptions } from '../../src/core/session/session.js';
import type { Signals } from '../../src/core/session/signals.js';
import { type Trigger, triggerStep } from '../../src/core/trigger.js';

/**
 * A monitor that answers from a script: writer until the trigger, `downFor` probes of ECONNREFUSED after it,
 * then writer again. Probes are appended by hand on a manual clock, so nothing here depends on timing.
 */
class ScriptedMonitor implements Monitor {
  readonly name = 'fake';
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private t = 0;
  triggered = false;
  private down = 0;

  constructor(
    private readonly history: History,
    private readonly clock: ReturnType<typeof manualClock>,
    private readonly downFor: number,
  ) {}

  start(): void {
    this.history.append({
      kind: 'monitor',
      t: 0,
      monitor: this.name,
      mode: 'fake',
      target: 'db:1',
      expect: 'writer',
      intervalMs: 100,
    });
    this.timer = setInterval(() => this.probe(), 1);
  }

  private probe(): void {
    const t0 = this.t;
    this.t += 100;
    this.clock.set(this.t);
    const bad = this.triggered && this.down < this.downFor;
    if (bad) this.down++;
    const o: Unstamped<Observation> = {
      kind: 'observation',
      monitor: this.name,
      seq: this.seq++,
      t0,
      t1: t0 + 5,
      target: 'db:1',
      expect: 'writer',
      ...(bad
        ? { ok: false, error: { code: 'ECONNREFUSED', message: 'refused' } }
        : { ok: true, role: 'writer', nodeId: 'n1' }),
    };
    this.history.append<Observation>(o);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}

/** A button for Ctrl+C (or another signal). */
function fakeSignals(): Signals & { press(signal?: NodeJS.Signals): void } {
  const handlers: ((signal: NodeJS.Signals) => void)[] = [];
  return {
    subscribe(handler) {
      handlers.push(handler);
      return () => handlers.splice(handlers.indexOf(handler), 1);
    },
    press: (signal = 'SIGINT') => {
      for (const h of [...handlers]) h(signal);
    },
  };
}

interface Harness {
  log: string[];
  io: SessionIO;
  signals: ReturnType<typeof fakeSignals>;
  sessions: SessionResult[];
  human: () => string;
}

function harness(answer?: string, renderers: Renderer[] = []): Harness {
  const log: string[] = [];
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => {
    text += d;
  });
  const signals = fakeSignals();
  const sessions: SessionResult[] = [];
  const recorder: Renderer = {
    name: 'recorder',
    sessionEnded: (s) => {
      sessions.push(s);
    },
  };
  return {
    log,
    signals,
    sessions,
    human: () => text,
    io: {
      human: out,
      style: styleFor(out, false),
      renderers: [...renderers, recorder],
      signals,
      clock: () => manualClock(),
      ...(answer === undefined
        ? {}
        : {
            ask: async (q: string) => {
              log.push(`asked: ${q}`);
              return answer;
            },
          }),
      exitNow: (code) => log.push(`exit ${code}`),
    },
  };
}

const options = (more: Partial<SessionOptions> = {}): SessionOptions => ({
  repeat: 1,
  cooldownMs: 0,
  rules: { untilRecovered: true, settleMs: 0, timeoutMs: 60_000 },
  gates: {},
  yes: false,
  confirmAlways: false,
  ...more,
});

/** A part that writes down each step it was asked to take. */
function part(log: string[], name: string, more: Partial<DrillPart> = {}): DrillPart {
  return {
    name,
    check: async () => {
      log.push(`${name} check`);
    },
    prepare: async () => {
      log.push(`${name} prepare`);
    },
    start: () => {
      log.push(`${name} start`);
    },
    stop: async () => {
      log.push(`${name} stop`);
    },
    finish: async (ran) => {
      log.push(`${name} finish${ran ? '' : ' (never ran)'}`);
    },
    ...more,
  };
}

/** A service of one scripted monitor, the given parts, and a trigger that makes the monitor fail for a while. */
function service(
  h: Harness,
  parts: (log: string[]) => DrillPart[],
  opts: { lab?: boolean; downFor?: number; onTrigger?: () => void; trigger?: boolean } = {},
): DrillService & { runs: number } {
  const s = {
    runs: 0,
    async setup({ history, clock }: { history: History; clock: unknown }) {
      s.runs++;
      const monitor = new ScriptedMonitor(
        history,
        clock as ReturnType<typeof manualClock>,
        opts.downFor ?? 3,
      );
      const trigger: Trigger = {
        name: 'fake-fault',
        fire: async (hist) => {
          h.log.push('trigger fired');
          triggerStep(hist, 'fake-fault', 'requested');
          monitor.triggered = true;
          opts.onTrigger?.();
          triggerStep(hist, 'fake-fault', 'completed');
        },
      };
      const prepared: PreparedTrigger = {
        scheduled: { trigger, atMs: 0, baselineMs: 0 },
        confirmation: { what: 'break the fake database', answer: 'fake-db', lab: opts.lab ?? false },
      };
      return {
        header: { title: 'drill fake', details: 'every 100 ms' },
        target: { endpoint: 'db:1', host: 'db', port: 1 },
        parts: [{ name: 'fake', monitor }, ...parts(h.log)],
        preflight: async () => {
          h.log.push('preflight');
          return opts.trigger === false ? undefined : prepared;
        },
      };
    },
  };
  return s;
}

describe('drill session: the order of a run', () => {
  it('checks read-only parts, confirms, then prepares writers; stops and finishes last-prepared first', async () => {
    const h = harness(undefined);
    const code = await runSession(
      service(h, (log) => [
        part(log, 'reader'),
        part(log, 'ledger', { writes: true }),
        part(log, 'follower'),
      ]),
      options({ yes: true }),
      h.io,
    );
    assert.equal(code, ExitCode.passed);
    const steps = h.log.filter((l) => !l.endsWith(' stop'));
    assert.deepEqual(steps, [
      'reader check',
      'follower check',
      'preflight',
      'reader prepare',
      'ledger prepare',
      'ledger check',
      'follower prepare',
      'reader start',
      'ledger start',
      'follower start',
      'trigger fired',
      'follower finish',
      'ledger finish',
      'reader finish',
    ]);
    // Every part is stopped after the drill and before it is finished.
    for (const name of ['reader', 'ledger', 'follower']) {
      assert.ok(h.log.indexOf(`${name} stop`) > h.log.indexOf('trigger fired'));
      assert.ok(h.log.indexOf(`${name} stop`) < h.log.indexOf('follower finish'));
    }
    const run = h.sessions[0]?.runs[0];
    assert.equal(run?.stop, 'recovered');
    assert.equal(run?.analysis.monitors[0]?.downtimeMs, 300 + 5);
  });

  it('a refused confirmation creates nothing: no writer is prepared, no trigger fires, exit 2', async () => {
    const h = harness('not-the-name');
    await assert.rejects(
      runSession(
        service(h, (log) => [part(log, 'ledger', { writes: true })]),
        options(),
        h.io,
      ),
      (err: DrillError) =>
        err.exitCode === ExitCode.usage && /not confirmed: nothing was done/.test(err.message),
    );
    assert.ok(h.log.some((l) => l.startsWith("asked: This will break the fake database. Type 'fake-db'")));
    assert.ok(!h.log.includes('ledger prepare'));
    assert.ok(!h.log.includes('trigger fired'));
  });

  it('without a terminal, a destructive trigger needs --yes; a lab needs no confirmation', async () => {
    const h = harness(undefined);
    await assert.rejects(
      runSession(
        service(h, () => []),
        options(),
        h.io,
      ),
      /refusing to break the fake database without --yes: this is not a lab, and there is no terminal to ask on/,
    );
    assert.ok(!h.log.includes('trigger fired'));
    const lab = harness(undefined);
    assert.equal(
      await runSession(
        service(lab, () => [], { lab: true }),
        options(),
        lab.io,
      ),
      0,
    );
    assert.ok(lab.log.includes('trigger fired'));
    const rehearsal = harness(undefined);
    await assert.rejects(
      runSession(
        service(rehearsal, () => [], { lab: true }),
        options({ confirmAlways: true }),
        rehearsal.io,
      ),
      /DRILL_CONFIRM=always asks first/,
    );
  });

  it('a part whose prepare fails: the drill does not start, what was prepared is finished, the error stands', async () => {
    const h = harness(undefined);
    const broken = (log: string[]) =>
      part(log, 'table', {
        writes: true,
        prepare: async () => {
          throw new DrillError('--load cannot create its table on db:1: denied', ExitCode.usage);
        },
      });
    await assert.rejects(
      runSession(
        service(h, (log) => [part(log, 'subscription'), broken(log), part(log, 'never')]),
        options({ yes: true }),
        h.io,
      ),
      (err: DrillError) => err.exitCode === ExitCode.usage && /cannot create its table/.test(err.message),
    );
    assert.ok(h.log.includes('subscription finish (never ran)'));
    assert.ok(!h.log.includes('never prepare'));
    assert.ok(!h.log.some((l) => l.startsWith('never finish')));
    assert.ok(!h.log.includes('trigger fired'));
  });

  it('a check that fails (the first probe) ends the session before the preflight', async () => {
    const h = harness(undefined);
    const failing = (log: string[]) =>
      part(log, 'probe', {
        check: async () => {
          throw new DrillError('cannot reach db:1: ECONNREFUSED', ExitCode.cannotStart);
        },
      });
    await assert.rejects(
      runSession(
        service(h, (log) => [failing(log)]),
        options({ yes: true }),
        h.io,
      ),
      /cannot reach/,
    );
    assert.ok(!h.log.includes('preflight'));
  });

  it('wraps the trigger with the parts that act around it', async () => {
    const h = harness(undefined);
    const around = (log: string[]) =>
      part(log, 'ddl', {
        wrapTrigger: (trigger) => ({
          name: trigger.name,
          fire: async (history, signal) => {
            log.push('ddl before the trigger');
            await trigger.fire(history, signal);
          },
        }),
      });
    await runSession(
      service(h, (log) => [around(log)]),
      options({ yes: true }),
      h.io,
    );
    assert.ok(h.log.indexOf('ddl before the trigger') < h.log.indexOf('trigger fired'));
  });
});

describe('drill session: interrupts, repeats, renderers', () => {
  it('Ctrl+C mid-outage: the run is analysed and reported, exit 130; a second Ctrl+C leaves at once', async () => {
    const h = harness(undefined);
    let svc: DrillService | undefined;
    svc = service(h, (log) => [part(log, 'ledger', { writes: true })], {
      downFor: 1_000_000,
      onTrigger: () => setTimeout(() => h.signals.press(), 20),
    });
    const code = await runSession(svc, options({ yes: true }), h.io);
    assert.equal(code, ExitCode.interrupted);
    const session = h.sessions[0];
    assert.equal(session?.interrupted, true);
    assert.equal(session?.exitCode, ExitCode.interrupted);
    const run = session?.runs[0];
    assert.equal(run?.stop, 'interrupted');
    assert.equal(run?.interruptedBy, 'SIGINT');
    assert.equal(run?.analysis.monitors[0]?.recovered, false);
    assert.match(run?.verdict.reasons.join('\n') ?? '', /not recovered when interrupted/);
    assert.ok(h.log.includes('ledger finish'), 'an interrupted run still reads back and cleans up');

    const twice = harness(undefined);
    svc = service(twice, () => [], {
      downFor: 1_000_000,
      onTrigger: () =>
        setTimeout(() => {
          twice.signals.press();
          twice.signals.press();
        }, 20),
    });
    await runSession(svc, options({ yes: true }), twice.io);
    assert.ok(twice.log.includes('exit 130'));
  });

  it('--repeat 3 with a cooldown: three runs on fresh histories, one session with the spread', async () => {
    const h = harness(undefined);
    const svc = service(h, () => []);
    const code = await runSession(svc, options({ yes: true, repeat: 3, cooldownMs: 5 }), h.io);
    assert.equal(code, 0);
    assert.equal(svc.runs, 3);
    const session = h.sessions[0];
    assert.equal(session?.runs.length, 3);
    assert.equal(session?.repeats?.runs, 3);
    assert.equal(session?.repeats?.monitors.fake?.downtimeMs?.n, 3);
    assert.match(h.human(), /cooling down 5 ms before run 2 of 3/);
    assert.match(h.human(), /run 3 of 3/);
    assert.equal(h.log.filter((l) => l === 'trigger fired').length, 3);
  });

  it('Ctrl+C during the cooldown ends the series with the runs done so far, exit 130', async () => {
    const h = harness(undefined);
    const svc = service(h, () => []);
    setTimeout(() => h.signals.press(), 150);
    const code = await runSession(svc, options({ yes: true, repeat: 3, cooldownMs: 60_000 }), h.io);
    assert.equal(code, ExitCode.interrupted);
    assert.equal(h.sessions[0]?.runs.length, 1);
  });

  it('a renderer that throws: the others still run and the exit code is kept', async () => {
    const seen: string[] = [];
    const broken: Renderer = {
      name: 'broken',
      runEnded: () => {
        throw new Error('disk full');
      },
      sessionEnded: () => {
        throw new Error('disk still full');
      },
    };
    const fine: Renderer = {
      name: 'fine',
      runEnded: (run) => {
        seen.push(`run ${run.verdict.passed ? 'passed' : 'failed'}`);
      },
      sessionEnded: (s) => {
        seen.push(`session exit ${s.exitCode}`);
      },
    };
    const h = harness(undefined, [broken, fine]);
    const code = await runSession(
      service(h, () => []),
      options({ yes: true, gates: { maxDowntimeMs: 1 } }),
      h.io,
    );
    assert.equal(code, ExitCode.failed, 'the gate failed: the exit code says so whatever the renderers did');
    assert.deepEqual(seen, ['run failed', 'session exit 1']);
    assert.match(h.human(), /the broken report failed: disk full/);
    assert.match(h.human(), /the broken report failed: disk still full/);
  });

  it('asks for a missing password once, on a terminal, and hands it to the service', async () => {
    const h = harness(undefined);
    const svc = service(h, () => [], { trigger: false });
    let given: string | undefined;
    const withPassword: DrillService = {
      ...svc,
      setup: svc.setup,
      passwordPrompt: () => 'Password for admin@db:1: ',
      usePassword: (pw) => {
        given = pw;
      },
    };
    h.io.askHidden = async () => 's3cret-pw';
    await runSession(
      withPassword,
      options({ rules: { durationMs: 50, untilRecovered: false, settleMs: 0, timeoutMs: 1000 } }),
      h.io,
    );
    assert.equal(given, 's3cret-pw');
  });
});

describe('drill session: every drill ends, and only a drill that happened passes', () => {
  it('--until-recovered with a fault too short to see: ends as "no outage observed" once the trigger ended', async () => {
    const h = harness(undefined);
    const code = await runSession(
      service(h, () => [], { downFor: 0 }),
      options({ yes: true }),
      h.io,
    );
    assert.equal(code, ExitCode.passed);
    const run = h.sessions[0]?.runs[0];
    assert.equal(run?.stop, 'no-outage');
    assert.equal(run?.analysis.monitors[0]?.downtimeMs, null);
    assert.ok(run?.analysis.trigger, 'the trigger fired');
  });

  it('a trigger that never fired fails the drill (exit 1) and says why', async () => {
    const h = harness(undefined);
    const svc = service(h, () => []);
    const late = {
      ...svc,
      setup: async (ctx: Parameters<typeof svc.setup>[0]) => {
        const setup = await svc.setup(ctx);
        const prepared = await setup.preflight?.();
        return {
          ...setup,
          preflight: async () =>
            prepared && { ...prepared, scheduled: { ...prepared.scheduled, atMs: 60_000 } },
        };
      },
    };
    const rules = { durationMs: 100, untilRecovered: false, settleMs: 0, timeoutMs: 60_000 };
    const code = await runSession(late, options({ yes: true, rules }), h.io);
    assert.equal(code, ExitCode.failed);
    const run = h.sessions[0]?.runs[0];
    assert.equal(run?.analysis.trigger, null);
    assert.match(
      run?.verdict.reasons[0] ?? '',
      /trigger fake-fault never fired: the drill ended \(duration\)/,
    );
  });

  it('--until-recovered is bounded by --timeout even when the trigger never comes (a baseline never reached)', async () => {
    const h = harness(undefined);
    const svc = service(h, () => []);
    const never = {
      ...svc,
      setup: async (ctx: Parameters<typeof svc.setup>[0]) => {
        const setup = await svc.setup(ctx);
        const prepared = await setup.preflight?.();
        return {
          ...setup,
          preflight: async () =>
            prepared && { ...prepared, scheduled: { ...prepared.scheduled, baselineMs: 3_600_000 } },
        };
      },
    };
    const rules = { untilRecovered: true, settleMs: 0, timeoutMs: 200 };
    const code = await runSession(never, options({ yes: true, rules }), h.io);
    assert.equal(code, ExitCode.failed);
    assert.equal(h.sessions[0]?.runs[0]?.stop, 'timeout');
  });

  it('a finish that hangs (a read-back from a server gone away) is cut short by Ctrl+C, and the run is still reported', async () => {
    const h = harness(undefined);
    const hanging = (log: string[]) =>
      part(log, 'ledger', {
        finish: (_ran, signal) =>
          new Promise<void>((resolve) => {
            log.push('read-back started');
            setTimeout(() => h.signals.press(), 20);
            signal.addEventListener('abort', () => resolve());
          }),
      });
    const rules = { durationMs: 50, untilRecovered: false, settleMs: 0, timeoutMs: 60_000 };
    const started = Date.now();
    const code = await runSession(
      service(h, (log) => [hanging(log)], { trigger: false }),
      options({ rules }),
      h.io,
    );
    assert.ok(Date.now() - started < 10_000, 'not the 30 s bound');
    assert.equal(code, ExitCode.interrupted);
    const notes = h.sessions[0]?.runs[0]?.analysis;
    assert.ok(notes, 'the run was analysed and reported');
    assert.ok(h.log.includes('read-back started'));
  });

  it('an interrupt that came before the session (while the program loaded) ends it at once with a report, exit 130', async () => {
    const { catchProcessSignals } = await import('../../src/core/session/signals.js');
    const h = harness(undefined);
    const early = catchProcessSignals(['SIGUSR2'], ['SIGUSR2']);
    try {
      h.io.signals = early;
      const svc = service(h, () => []);
      const code = await runSession(svc, options({ yes: true }), h.io);
      assert.equal(code, ExitCode.interrupted);
      assert.equal(svc.runs, 0, 'no run was set up: nothing was created');
      assert.equal(h.sessions[0]?.runs.length, 0, 'the report is still written');
      assert.equal(h.sessions[0]?.interruptedBy, 'SIGUSR2', 'the signal that came early is named');
    } finally {
      early.release();
    }
  });
});
