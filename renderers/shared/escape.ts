// Escaping for the rare place a renderer must build markup or a selector from data. Prefer `h()` from
// ./dom, which never parses data as HTML.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, ch => ENTITIES[ch]);
}

/** Shortens `text` to `max` characters with an ellipsis, e.g. for long strings in table cells. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + '…';
}
