/**
 * Diagnostics as text: severity names, message text and the one-line `file:line:col severity code
 * message` form that `vmtopo check`, the export refusals and the SARIF writer print.
 */
import type { Diagnostic } from 'vscode-languageserver-types';
import { escapePath, escapeText } from './text.js';

export type SeverityName = 'error' | 'warning' | 'info' | 'hint';

/** LSP `DiagnosticSeverity` (1 = error … 4 = hint; missing = error) → its name. */
export function severityName(d: { readonly severity?: number }): SeverityName {
    switch (d.severity) {
        case 2: return 'warning';
        case 3: return 'info';
        case 4: return 'hint';
        default: return 'error';
    }
}

/**
 * The code of a diagnostic as text: its `code`, else the `data.code` Langium puts its own codes in
 * (`lexing-error`, …); undefined when there is none (or it is not a string or number).
 */
export function diagnosticCode(d: Diagnostic): string | undefined {
    const code = d.code ?? (d.data as { code?: unknown } | undefined)?.code;
    return (typeof code === 'string' && code !== '') || typeof code === 'number' ? String(code) : undefined;
}

/** The plain text of a diagnostic's message (LSP allows markup content too). */
export function messageText(diagnostic: Diagnostic): string {
    const m = diagnostic.message;
    return typeof m === 'string' ? m : m.value;
}

/**
 * `file:line:col severity code message` with 1-based line and column (the CLI prints the same),
 * always exactly one line: the path is escaped with {@link escapePath}; in the message a line break
 * (with the blanks around it) becomes one space — rule messages may be written over several lines —
 * and every other control character, line separator or bidi control is escaped ({@link escapeText}).
 */
export function formatDiagnostic(file: string, diagnostic: Diagnostic): string {
    const { line, character } = diagnostic.range.start;
    const severity = severityName(diagnostic);
    const code = diagnostic.code === undefined || diagnostic.code === '' ? '' : ` ${escapeText(String(diagnostic.code))}`;
    const message = escapeText(messageText(diagnostic).replace(/\s*\n\s*/g, ' '));
    return `${escapePath(file)}:${line + 1}:${character + 1} ${severity}${code} ${message}`;
}

/**
 * The one line that says why an export was refused, as the CLI and the editor show it:
 * `export refused: VM train: 3 errors (first: a.vmtopo:12:5 error LOC004 …); written: infer, tenant-c`
 * or `…; nothing was written`. The first problem is the headline (it never says "refused" or
 * "nothing was written" itself); the others are details (the errors, one per line), which the CLI
 * prints before this line and the editor puts in its log. `exported` (the targets written, when
 * the export went on past a refused one) names what was written; else the files are counted.
 */
export function refusalLine(result: { readonly problems: readonly string[]; readonly written: readonly string[]; readonly exported?: readonly string[] }): string {
    const headline = result.problems[0] ?? 'unknown error';
    const written = result.written.length === 0
        ? 'nothing was written'
        : `written: ${result.exported && result.exported.length > 0 ? result.exported.map(n => escapeText(n)).join(', ') : `${result.written.length} files`}`;
    return `export refused: ${headline}; ${written}`;
}
