/** Small helpers for writing HTML by hand: escaping, and SVGs that can share one page. */

/** Text or an attribute value, safe inside HTML whatever it holds. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as `\u003c`, so no string
 * in the data can close the script element (`</script>`) or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * Gives every id in an SVG a prefix, and every reference to it (`url(#id)`, `href="#id"`): vega
 * numbers its clip paths from 1 in each chart, and two inline SVGs with the same ids in one page
 * would clip each other's marks.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}
