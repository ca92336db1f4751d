import { redactText } from '../../secrets.js';

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text for an HTML page, in element content or a quoted attribute alike. Secrets are redacted before escaping:
 * escaping first would turn a password holding `&` or `<` into a string the redaction no longer finds.
 */
export function esc(value: string | number): string {
  return redactText(String(value)).replace(/[&<>"']/g, (c) => entities[c] as string);
}

/** A number for an SVG coordinate: one decimal keeps the file small and is finer than a pixel. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}
