import { closeSync, openSync, readSync } from 'node:fs';
import { ExitCode, quote, usageError } from '../core/errors.js';
import { compareDrills, figureNames, renderComparison } from '../core/report/compare.js';
import { createRenderers, reportSpecs } from '../core/report/index.js';
import type { SessionResult } from '../core/report/renderer.js';
import { styleFor } from '../core/report/style.js';
import { planReports, type ReportOptionValues } from '../core/session/plan.js';
import { readSavedDrillFile, type SavedDrill } from '../core/session/replay.js';
import { tool } from './tool.js';

/** `drill report FILE`: a saved JSON report, or a history analysed again, through any renderer. Exit 0 once written. */
export function runReport(file: string, options: ReportOptionValues): number {
  const plan = planReports(options, process.env, [['the file read', file]]);
  const saved = load(file);
  const human = plan.json ? process.stderr : process.stdout;
  const style = styleFor(human, plan.color);
  const tty = (human as NodeJS.WriteStream).isTTY === true;
  const renderers = createRenderers([{ name: 'summary' }, ...reportSpecs(plan)], {
    human,
    stdout: process.stdout,
    style,
    tty,
    tool,
  });
  saved.replay({ human, style, renderers });
  return ExitCode.passed;
}

export interface CompareOptions {
  maxRegression: string;
  figure: string;
  color: boolean;
}

/**
 * `drill report compare BASE NEW`: the figures side by side; exit 1 when a gated figure (--figure, downtime by
 * default) got worse by more than --max-regression, 2 when the files cannot be read or compared.
 */
export function runCompare(basePath: string, newPath: string, options: CompareOptions): number {
  const limit = parsePercent(options.maxRegression);
  const gated = parseFigures(options.figure);
  const base = sessionOf(load(basePath));
  const next = sessionOf(load(newPath));
  const comparison = compareDrills(base, next, gated, limit);
  const style = styleFor(process.stdout, options.color);
  process.stdout.write(renderComparison(comparison, { basePath, newPath, gated, limit }, style));
  const { regressions, newFailures } = comparison;
  return regressions.length || newFailures.length ? ExitCode.failed : ExitCode.passed;
}

/** A saved drill, or one line saying why not (exit 2). */
function load(file: string): SavedDrill {
  try {
    // Read a byte now, so a missing file or a directory is said as such; the drill itself is read as it is replayed.
    const fd = openSync(file, 'r');
    try {
      readSync(fd, Buffer.alloc(1), 0, 1, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw usageError(`cannot read ${file} (${why})`);
  }
  try {
    return readSavedDrillFile(file);
  } catch (err) {
    throw usageError(`${file} is ${(err as Error).message}`);
  }
}

/** The session a saved drill stands for, rendered to nobody. */
function sessionOf(saved: SavedDrill): SessionResult {
  return saved.replay({ human: process.stderr, style: styleFor(process.stderr, false), renderers: [] });
}

function parsePercent(text: string): number {
  // The % is required: 0.2 could mean 0.2 % or 20 %, and a CI gate must not guess.
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!m) throw usageError(`--max-regression must be a percentage like 20%, got ${quote(text)}`);
  return Number(m[1]);
}

function parseFigures(text: string): string[] {
  const names = text.split(',').map((f) => f.trim());
  for (const n of names) {
    if (!figureNames.includes(n)) {
      throw usageError(`unknown figure ${quote(n)}: choose from ${figureNames.join(', ')}`);
    }
  }
  return names;
}
