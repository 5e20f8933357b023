/**
 * `vmtopo check`: builds the given files as one workspace with validation and reports their
 * diagnostics, as text (`file:line:col severity code message`, the exporter's `formatDiagnostic`) or
 * as JSON.
 */
import { URI, type LangiumDocument } from 'langium';
import type { LangiumSharedCoreServices } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { diagnosticCode, formatDiagnostic, messageText, severityName, type SeverityName } from '../kernel/diagnostics.js';
import type { InputFile } from './input.js';
import { ruleById } from '../rules/index.js';
import { sourceUrl } from '../catalog/sources.js';

/** The first source of a rule id's record, or undefined for a code that is not a rule's. */
function ruleSource(code: string): string | undefined {
    const rule = ruleById(code);
    return rule ? sourceUrl(rule.sources[0]) : undefined;
}
import type { RuleControl, SuppressedDiagnostic } from '../rules/engine/control.js';

/** The diagnostics of one input file, sorted by position. */
export interface FileDiagnostics {
    readonly file: InputFile;
    readonly diagnostics: Diagnostic[];
    /** Diagnostics silenced by `// vmtopo-ignore RULE: reason` comments (SARIF lists them as suppressed). */
    readonly suppressed: readonly SuppressedDiagnostic[];
}

/** One diagnostic of `vmtopo check --format json`. Lines and columns are 1-based; the end is exclusive. */
export interface JsonDiagnostic {
    file: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    severity: SeverityName;
    /** Rule id (`LOC001`), or Langium's `lexing-error` / `parsing-error` / `linking-error`; null if none. */
    code: string | null;
    message: string;
    /** The rule's source link (`codeDescription.href`); null if none. */
    source: string | null;
}

/**
 * Parses, links and validates the files as one workspace (so a VM file can name a host of another
 * file given on the same command line) and returns each file's diagnostics in command-line order.
 * The text is taken from `files` (already read and checked to be UTF-8), not read again.
 */
export async function checkFiles(shared: LangiumSharedCoreServices, files: readonly InputFile[]): Promise<FileDiagnostics[]> {
    const documents: LangiumDocument[] = files.map(file => {
        const document = shared.workspace.LangiumDocumentFactory.fromString(file.text, URI.file(file.absolute));
        shared.workspace.LangiumDocuments.addDocument(document);
        return document;
    });
    await shared.workspace.DocumentBuilder.build(documents, { validation: true });
    return files.map((file, i) => {
        const ruleControl = (shared.ServiceRegistry.getServices(documents[i].uri) as unknown as { validation: { RuleControl: RuleControl } }).validation.RuleControl;
        return {
            file,
            diagnostics: [...(documents[i].diagnostics ?? [])].sort(byPosition),
            suppressed: [...ruleControl.suppressedIn(documents[i])].sort((a, b) => byPosition(a.diagnostic, b.diagnostic))
        };
    });
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
    return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character
        || (a.severity ?? 1) - (b.severity ?? 1);
}

/** Counts per severity over all files; hints count as infos. */
export function countBySeverity(results: readonly FileDiagnostics[]): { errors: number; warnings: number; infos: number } {
    const counts = { errors: 0, warnings: 0, infos: 0 };
    for (const d of results.flatMap(r => r.diagnostics)) {
        const s = severityName(d);
        if (s === 'error') counts.errors++;
        else if (s === 'warning') counts.warnings++;
        else counts.infos++;
    }
    return counts;
}

/**
 * The text report: one `formatDiagnostic` line per diagnostic — exactly one line each, the path and
 * message escaped (a newline in a file name is printed as `\n`) — then
 * `N errors, N warnings, N infos in M files`.
 */
export function textReport(results: readonly FileDiagnostics[]): string[] {
    const lines = results.flatMap(r => r.diagnostics.map(d => formatDiagnostic(r.file.given, d)));
    const { errors, warnings, infos } = countBySeverity(results);
    lines.push(`${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(infos, 'info')} in ${plural(results.length, 'file')}`);
    return lines;
}

/** The JSON report: every diagnostic of every file, files in command-line order. */
export function jsonReport(results: readonly FileDiagnostics[]): JsonDiagnostic[] {
    return results.flatMap(r => r.diagnostics.map(d => toJson(r.file.given, d)));
}

function toJson(file: string, d: Diagnostic): JsonDiagnostic {
    const code = diagnosticCode(d);
    return {
        file,
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        endLine: d.range.end.line + 1,
        endColumn: d.range.end.character + 1,
        severity: severityName(d),
        code: code ?? null,
        message: messageText(d),
        // The rule's primary source on the web (the editor's link goes to the rule's section of docs/rules.md).
        source: (code !== undefined ? ruleSource(code) : undefined) ?? d.codeDescription?.href ?? null
    };
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
}
