import type { ReportPlan } from '../session/plan.js';
import { htmlRenderer } from './html/index.js';
import { jsonRenderer } from './json.js';
import { junitRenderer } from './junit.js';
import { liveRenderer } from './live.js';
import { markdownRenderer, stepSummaryRenderer } from './markdown.js';
import type { RenderContext, Renderer, RendererSpec } from './renderer.js';
import { summaryRenderer } from './summary.js';

/** Renderers by name: adding a format is one file and one line here. */
const registry: Record<string, (ctx: RenderContext, to: string | undefined) => Renderer> = {
  live: liveRenderer,
  summary: summaryRenderer,
  json: jsonRenderer,
  html: htmlRenderer,
  junit: junitRenderer,
  markdown: markdownRenderer,
  'step-summary': stepSummaryRenderer,
};

export const rendererNames = Object.keys(registry);

export function createRenderers(specs: readonly RendererSpec[], ctx: RenderContext): Renderer[] {
  const all = { ...ctx, formats: specs.map((s) => s.name) };
  return specs.map((spec) => {
    const make = registry[spec.name];
    if (!make) throw new Error(`unknown renderer '${spec.name}': choose from ${rendererNames.join(', ')}`);
    return make(all, spec.to);
  });
}

/**
 * The reports a plan asks for (besides the views for people, which each command picks): one place for a drill
 * and `drill report`, so a format added here works from both.
 */
export function reportSpecs(plan: ReportPlan): RendererSpec[] {
  const specs: RendererSpec[] = [];
  if (plan.json) specs.push({ name: 'json', to: '-' });
  if (plan.reportFile) specs.push({ name: 'json', to: plan.reportFile });
  if (plan.junitFile) specs.push({ name: 'junit', to: plan.junitFile });
  if (plan.markdownFile) specs.push({ name: 'markdown', to: plan.markdownFile });
  if (plan.stepSummaryFile) specs.push({ name: 'step-summary', to: plan.stepSummaryFile });
  if (plan.htmlFile) specs.push({ name: 'html', to: plan.htmlFile });
  return specs;
}
