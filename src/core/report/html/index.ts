import { writeFileSync } from 'node:fs';
import type { History } from '../../history.js';
import type { RenderContext, Renderer } from '../renderer.js';
import { type RunPage, renderPage } from './page.js';

/**
 * `html`: the timeline of every run in one self-contained file, written when the session ends. It keeps each run's
 * history from `runStarted`, so a saved history fed through the same hooks draws the same page.
 */
export function htmlRenderer(ctx: RenderContext, to: string | undefined): Renderer {
  if (to === undefined || to === '-') throw new Error('the html renderer writes to a file: give it one');
  const histories = new Map<number, History>();
  const headers = new Map<number, RunPage['header']>();
  let current = 0;
  return {
    name: 'html',
    runStarted(history, run) {
      current = run.index;
      histories.set(run.index, history);
    },
    runHeader(header) {
      headers.set(current, header);
    },
    sessionEnded(session) {
      const runs = session.runs.map((result) => ({
        result,
        records: histories.get(result.index)?.records ?? [],
        header: headers.get(result.index),
      }));
      writeFileSync(to, renderPage(ctx.tool, session, runs));
    },
  };
}
