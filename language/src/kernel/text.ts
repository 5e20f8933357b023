/**
 * Escaping of user-controlled text (file paths, VM names, messages quoting them) for output that
 * must stay one line per item: the CLI's diagnostics and problems, and the `problems` of an export.
 *
 * A path may legally contain a newline, a carriage return, an ANSI escape (ESC, U+001B) or a
 * bidirectional override; printed raw, it would split one diagnostic into several lines, rewrite the
 * terminal, or make the text read differently from what it is (Trojan Source, CVE-2021-42574).
 * Escaped characters:
 * - C0 controls U+0000–U+001F, DEL U+007F, C1 controls U+0080–U+009F: `\n`, `\t`, else `\xNN`;
 * - the line and paragraph separators U+2028, U+2029 and the bidi controls U+202A–U+202E and
 *   U+2066–U+2069: `\u{NNNN}`;
 * - in paths only, a backslash as `\\`, so that an escaped path reads back unambiguously.
 * Everything else (including any other non-ASCII text) is kept as it is.
 */

/** The characters {@link escapeText} escapes. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The characters {@link escapePath} escapes: {@link UNSAFE} and the backslash. */
const UNSAFE_IN_PATH = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One character as its escape: `\n`, `\t`, `\\`, `\xNN` (up to U+00FF) or `\u{NNNN}`. */
function escapeChar(c: string): string {
    switch (c) {
        case '\n': return '\\n';
        case '\t': return '\\t';
        case '\\': return '\\\\';
    }
    const code = c.codePointAt(0)!;
    return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u{${code.toString(16).padStart(4, '0')}}`;
}

/**
 * `text` with control characters, line separators and bidi controls escaped (see the module
 * comment); backslashes are kept. The result never contains a line break. Total: never throws.
 *
 * @example escapeText('a\nb\u001b[31m') === 'a\\nb\\x1b[31m'
 */
export function escapeText(text: string): string {
    return text.replace(UNSAFE, escapeChar);
}

/**
 * A file path for display: as {@link escapeText}, and a backslash becomes `\\`. The result never
 * contains a line break. Total: never throws.
 *
 * @example escapePath('/w/a\nb.vmtopo') === '/w/a\\nb.vmtopo'
 */
export function escapePath(file: string): string {
    return file.replace(UNSAFE_IN_PATH, escapeChar);
}

/**
 * A value quoted in a message: {@link escapeText}, cut to `max` characters (default 120) with `…`,
 * so a megabyte-long argument does not make a megabyte-long message.
 */
export function shortText(text: string, max = 120): string {
    const escaped = escapeText(text);
    return escaped.length <= max ? escaped : `${escaped.slice(0, max)}…`;
}

/**
 * Orders two strings by their UTF-16 code units, as `<` does: for ids and names that need a stable
 * order, the same on every machine, not a human one. Unlike `localeCompare` it depends on no locale and
 * never creates ICU's collator, whose first use costs about 7 ms — a tenth of a cold `vmtopo check`
 * (bench/run.mjs, `cli`).
 */
export function compareCodeUnits(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
