/**
 * The Markdown the documentation generators write (`npm run docs`: the README's rule table, model
 * list and table of formats): table cells, and a generated block replaced between its markers.
 */

/** Text as one Markdown table cell: line breaks become one space, `|` is escaped. */
export function markdownCell(text: string): string {
    return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/**
 * `text` with the generated block that runs from the start marker through the end marker replaced
 * by `block` (which holds both markers again).
 *
 * @throws Error naming `file` and the markers when either is missing or they are out of order.
 */
export function replaceGenerated(text: string, file: string, startMarker: string, endMarker: string, block: string): string {
    const start = text.indexOf(startMarker);
    const end = text.indexOf(endMarker);
    if (start < 0 || end < start) throw new Error(`${file}: the markers ${startMarker} … ${endMarker} are missing`);
    return text.slice(0, start) + block + text.slice(end + endMarker.length);
}
