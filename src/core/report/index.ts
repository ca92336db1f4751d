import { htmlRenderer } from './html/index.js';
import { jsonRenderer } from './json.js';
import { liveRenderer } from './live.js';
import type { RenderContext, Renderer, RendererSpec } from './renderer.js';
import { summaryRenderer } from './summary.js';

/** Renderers by name: adding a format is one file and one line here. */
const registry: Record<string, (ctx: RenderContext, to: string | undefined) => Renderer> = {
  live: liveRenderer,
  summary: summaryRenderer,
  json: jsonRenderer,
  html: htmlRenderer,
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
