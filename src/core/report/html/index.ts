import { writeFileSync } from 'node:fs';
import type { History } from '../../history.js';
import type { RenderContext, Renderer } from '../renderer.js';
import { LaneMarks } from './marks.js';
import { type RunPage, renderPage } from './page.js';

/**
 * `html`: the timeline of every run in one self-contained file, written when the session ends. It keeps each run's
 * records from `runStarted`, and its probes as lane marks as they come, so a saved history fed through the same
 * hooks draws the same page.
 */
export function htmlRenderer(ctx: RenderContext, to: string | undefined): Renderer {
  if (to === undefined || to === '-') throw new Error('the html renderer writes to a file: give it one');
  const histories = new Map<number, History>();
  const marks = new Map<number, Map<string, LaneMarks>>();
  const headers = new Map<number, RunPage['header']>();
  let current = 0;
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'html',
    runStarted(history, run) {
      current = run.index;
      histories.set(run.index, history);
      const lanes = new Map<string, LaneMarks>();
      marks.set(run.index, lanes);
      unsubscribe?.();
      unsubscribe = history.subscribe((r) => {
        if (r.kind !== 'observation') return;
        let lane = lanes.get(r.monitor);
        if (!lane) {
          lane = new LaneMarks();
          lanes.set(r.monitor, lane);
        }
        lane.push(r);
      });
    },
    runHeader(header) {
      headers.set(current, header);
    },
    runEnded() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
    sessionEnded(session) {
      const runs = session.runs.map((result) => ({
        result,
        records: histories.get(result.index)?.records ?? [],
        lanes: marks.get(result.index) ?? new Map<string, LaneMarks>(),
        header: headers.get(result.index),
      }));
      writeFileSync(to, renderPage(ctx.tool, session, runs));
    },
  };
}
