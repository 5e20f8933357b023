/**
 * `vmtopo check --format sarif`: the diagnostics as a SARIF 2.1.0 log (OASIS Static Analysis Results
 * Interchange Format), which CI systems show as code-scanning findings.
 *
 * - `tool.driver.rules`: one reporting descriptor per rule record (ALL_RULES): `id`,
 *   `shortDescription` = summary, `fullDescription` = why, `help` = fix (and whether the editor has
 *   a quick-fix, and the sources), `helpUri` = the first source's web address (a source that is a
 *   file of this repository has none), `defaultConfiguration.level` = the default severity.
 * - `results`: one per diagnostic: `ruleId` and `ruleIndex`, `level` (error, warning, note), the
 *   message, and a location with 1-based lines and columns in UTF-16 code units (`columnKind`), end
 *   column exclusive. A file under the working folder is named relative to it, with `uriBaseId`
 *   `%SRCROOT%` (`originalUriBaseIds` holds the folder's `file:` URI); any other by its `file:` URI.
 * - Diagnostics silenced by a `// vmtopo-ignore RULE: reason` comment are results too, with an
 *   `inSource` suppression whose justification is the reason (SARIF viewers show them as dismissed).
 * - `invocations[0]`: whether every check ran (`executionSuccessful`), the working folder, and the
 *   `--rule` overrides as `ruleConfigurationOverrides`.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as sarif from 'sarif';
import type { Diagnostic } from 'vscode-languageserver-types';
import { SOURCES, sourceUrl } from '../catalog/sources.js';
import { diagnosticCode, messageText, severityName } from '../kernel/diagnostics.js';
import type { RuleInfo, Severity } from '../rules/engine/rule.js';
import { ALL_RULES, RULES } from '../rules/index.js';
import { ruleOf, type RuleLevel, type RuleOverrides } from '../rules/engine/control.js';
import type { FileDiagnostics } from './check.js';

/** The schema the log names (OASIS SARIF 2.1.0, errata 01). */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** The base id of paths relative to the working folder. */
export const SRCROOT = '%SRCROOT%';

export interface SarifOptions {
    /** The working folder: files under it are named relative to it. */
    readonly cwd: string;
    /** The tool's version (package.json). */
    readonly version: string;
    /** The overrides given on the command line (`--rule`), recorded in the invocation. */
    readonly cliOverrides: RuleOverrides;
    /** The overrides in force (applied to suppressed results, whose severity was not yet overridden). */
    readonly overrides: RuleOverrides;
    /** False when a check threw (the results are incomplete). */
    readonly executionSuccessful: boolean;
}

const LEVEL: Record<Severity | 'hint', sarif.ReportingConfiguration.level> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/** The SARIF log of `vmtopo check`. */
export function sarifReport(results: readonly FileDiagnostics[], options: SarifOptions): sarif.Log {
    const index = new Map(ALL_RULES.map((r, i) => [r.id, i]));
    const sarifResults: sarif.Result[] = [];
    for (const r of results) {
        const location = artifactLocation(r.file.absolute, options.cwd);
        for (const d of r.diagnostics) sarifResults.push(result(d, location, index));
        for (const s of r.suppressed) {
            const rule = ruleOf(s.diagnostic, RULES);
            const level: RuleLevel | undefined = rule ? options.overrides.get(rule.id) : undefined;
            if (level === 'off') continue;
            const d = level ? { ...s.diagnostic, severity: ({ error: 1, warning: 2, info: 3 } as const)[level] } : s.diagnostic;
            sarifResults.push({ ...result(d, location, index), suppressions: [{ kind: 'inSource', justification: s.reason }] });
        }
    }
    const overrides: sarif.ConfigurationOverride[] = [...options.cliOverrides].map(([id, level]) => ({
        descriptor: { id, index: index.get(id) },
        configuration: level === 'off' ? { enabled: false } : { enabled: true, level: LEVEL[level] }
    }));
    return {
        $schema: SARIF_SCHEMA,
        version: '2.1.0',
        runs: [{
            tool: {
                driver: {
                    name: 'vmtopo',
                    version: options.version,
                    semanticVersion: options.version,
                    rules: ALL_RULES.map(descriptor)
                }
            },
            invocations: [{
                executionSuccessful: options.executionSuccessful,
                workingDirectory: { uri: folderUri(options.cwd) },
                ...(overrides.length > 0 ? { ruleConfigurationOverrides: overrides } : {})
            }],
            originalUriBaseIds: { [SRCROOT]: { uri: folderUri(options.cwd) } },
            columnKind: 'utf16CodeUnits',
            results: sarifResults
        }]
    };
}

/** The reporting descriptor of a rule record. */
function descriptor(rule: RuleInfo): sarif.ReportingDescriptor {
    const sources = rule.sources.map(key => SOURCES[key]);
    const web = rule.sources.map(sourceUrl).find(isWebAddress);
    const quickFix = rule.quickFix ? ' In the editor, a quick-fix does this.' : '';
    return {
        id: rule.id,
        shortDescription: { text: rule.summary },
        fullDescription: { text: rule.why },
        help: {
            text: `${rule.fix}${quickFix} Sources: ${sources.map(s => `${s.title} (${s.url})`).join('; ')}.`,
            markdown: `${rule.fix}${quickFix}\n\nSources:\n${sources.map(s => `- ${isWebAddress(s.url) ? `[${s.title}](${s.url})` : `${s.title} (\`${s.url}\`)`}`).join('\n')}`
        },
        ...(web ? { helpUri: web } : {}),
        defaultConfiguration: { level: LEVEL[rule.severity] },
        properties: { tags: [rule.id.replace(/\d+$/, '')], quickFix: rule.quickFix }
    };
}

function result(d: Diagnostic, location: sarif.ArtifactLocation, index: ReadonlyMap<string, number>): sarif.Result {
    const code = diagnosticCode(d);
    const ruleIndex = code === undefined ? undefined : index.get(code);
    const { start, end } = d.range;
    return {
        ...(code !== undefined ? { ruleId: code } : {}),
        ...(ruleIndex !== undefined ? { ruleIndex } : {}),
        level: LEVEL[severityName(d)],
        message: { text: messageText(d) },
        locations: [{
            physicalLocation: {
                artifactLocation: location,
                region: { startLine: start.line + 1, startColumn: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 }
            }
        }]
    };
}

/** A file under `cwd` relative to `%SRCROOT%` (each segment percent-encoded); any other as a `file:` URI. */
function artifactLocation(file: string, cwd: string): sarif.ArtifactLocation {
    const relative = path.relative(cwd, file);
    if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) {
        return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
    }
    return { uri: pathToFileURL(file).href };
}

/** The `file:` URI of a folder, ending in `/` (as a base URI must). */
function folderUri(folder: string): string {
    const href = pathToFileURL(folder).href;
    return href.endsWith('/') ? href : `${href}/`;
}

function isWebAddress(url: string): boolean {
    return /^https?:\/\//.test(url);
}
