/**
 * Rule control (README "Rule control"): per-rule severity overrides and in-file suppression comments.
 *
 * - Overrides map a rule id to `off`, `info`, `warning` or `error`. They come from the `vmtopo.rules`
 *   setting, which the language server reads through Langium's ConfigurationProvider
 *   (`workspace/configuration`, section `vmtopo`, key `rules`); the CLI's `--rule RULE=LEVEL` options
 *   are handed to the same provider. A change of the setting validates every document again.
 * - A suppression comment `// vmtopo-ignore LOC001, LOC003: reason` silences those rules on the next
 *   line (the line a diagnostic starts on, the line `vmtopo check` prints); several suppression
 *   comments on consecutive lines all apply to the first line after them.
 *
 * Both are applied in one place, after every check has run: {@link VmtopoDocumentValidator}
 * (`document-validator.ts`) calls {@link applyRuleControl}. No rule knows about them.
 */
import type { LangiumDocument } from 'langium';
import type { LangiumCoreServices } from 'langium';
import type { Diagnostic, Range } from 'vscode-languageserver-types';
import { ruleDocUrl } from './links.js';
import type { RuleInfo, Severity } from './rule.js';
import { diagnosticCode } from '../../kernel/diagnostics.js';
import { compareCodeUnits } from '../../kernel/text.js';
import type { RuleRegistry, RuleRegistryServices } from './registry.js';

/** The levels a rule can be set to. */
export const RULE_LEVELS = ['off', 'info', 'warning', 'error'] as const;
export type RuleLevel = typeof RULE_LEVELS[number];
/** Rule id → level. */
export type RuleOverrides = ReadonlyMap<string, RuleLevel>;

/** The configuration section (`vmtopo`) and its key holding the overrides (`vmtopo.rules`). */
export const SETTINGS_SECTION = 'vmtopo';
export const RULES_SETTING = 'rules';

/** The word that starts a suppression comment. */
export const SUPPRESSION_MARKER = 'vmtopo-ignore';

export function isRuleLevel(value: unknown): value is RuleLevel {
    return typeof value === 'string' && (RULE_LEVELS as readonly string[]).includes(value);
}

/** One `RULE=LEVEL` of the command line, or an error message (one line) saying what is wrong. */
export function parseRuleOption(text: string, rules: RuleRegistry): { id: string; level: RuleLevel } | { error: string } {
    const m = /^\s*([^=\s]+)\s*=\s*([^=\s]*)\s*$/.exec(text);
    if (!m) return { error: `expected RULE=LEVEL, e.g. LOC001=off` };
    const id = m[1].toUpperCase();
    const level = m[2].toLowerCase();
    if (!rules.byId(id)) return { error: `unknown rule ${id} (the rules are listed in docs/rules.md)` };
    if (!isRuleLevel(level)) return { error: `unknown level '${m[2]}' for ${id} (use ${RULE_LEVELS.join(', ')})` };
    return { id, level };
}

/**
 * The overrides of a `vmtopo.rules` setting value (an object `{ "LOC001": "off", … }`), and one
 * line per entry that was ignored (unknown rule id, unknown level). Anything but an object is no
 * overrides.
 */
export function overridesFromSettings(value: unknown, rules: RuleRegistry): { overrides: Map<string, RuleLevel>; ignored: string[] } {
    const overrides = new Map<string, RuleLevel>();
    const ignored: string[] = [];
    if (value === null || value === undefined) return { overrides, ignored };
    if (typeof value !== 'object' || Array.isArray(value)) {
        return { overrides, ignored: ['vmtopo.rules must be an object such as { "LOC001": "off" }; it was ignored'] };
    }
    for (const [id, level] of Object.entries(value as Record<string, unknown>)) {
        if (!rules.byId(id)) ignored.push(`vmtopo.rules: unknown rule ${id}; ignored`);
        else if (!isRuleLevel(level)) ignored.push(`vmtopo.rules: ${id}: unknown level ${JSON.stringify(level)} (use ${RULE_LEVELS.join(', ')}); ignored`);
        else overrides.set(id, level);
    }
    return { overrides, ignored };
}

/** A stable text key of overrides (to tell whether they changed). */
export function overridesKey(overrides: RuleOverrides): string {
    return [...overrides].sort(([a], [b]) => compareCodeUnits(a, b)).map(([id, level]) => `${id}=${level}`).join(',');
}

// ---- suppression comments ------------------------------------------------------------------

/** A word of a suppression comment in the place of a rule id. */
export interface SuppressionId {
    readonly text: string;
    /** 0-based columns of the word on the comment's line (end exclusive). */
    readonly start: number;
    readonly end: number;
}

/** One `// vmtopo-ignore …` comment. */
export interface SuppressionComment {
    /** 0-based line of the comment. */
    readonly line: number;
    /** 0-based columns of the comment (from `//` to the end of the line). */
    readonly start: number;
    readonly end: number;
    /** The 0-based line it applies to. */
    readonly target: number;
    /** The words in the place of rule ids, in order. */
    readonly ids: readonly SuppressionId[];
    /** The reason (after the colon), trimmed; empty when there is none. */
    readonly reason: string;
}

const MARKER = new RegExp(`^//\\s*${SUPPRESSION_MARKER}(?=[\\s:,]|$)`);

/**
 * The suppression comments of a document's text. Only line comments count (`//`, as the grammar's
 * SL_COMMENT), never text inside strings or block comments. Cost: none for a text that does not
 * contain `vmtopo-ignore`; otherwise one pass over the text.
 */
export function findSuppressions(text: string): SuppressionComment[] {
    if (!text.includes(SUPPRESSION_MARKER)) return [];
    const found: Array<Omit<SuppressionComment, 'target'> & { alone: boolean }> = [];
    let line = 0;
    let lineStart = 0;
    let i = 0;
    const n = text.length;
    /** Line breaks as LSP counts them: \n, \r\n and a lone \r. */
    const lineBreakAt = (j: number): number => {
        const c = text.charCodeAt(j);
        if (c === 10) return 1;
        if (c === 13) return text.charCodeAt(j + 1) === 10 ? 2 : 1;
        return 0;
    };
    while (i < n) {
        const c = text.charCodeAt(i);
        const br = lineBreakAt(i);
        if (br > 0) {
            i += br;
            line++;
            lineStart = i;
        } else if (c === 34 /* " */ || c === 39 /* ' */) {
            // A string runs to its closing quote on the same line (STRING: no escapes, one line).
            let j = i + 1;
            while (j < n && text.charCodeAt(j) !== c && lineBreakAt(j) === 0) j++;
            i = j < n && text.charCodeAt(j) === c ? j + 1 : j;
        } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
            const close = text.indexOf('*/', i + 2);
            const end = close < 0 ? n : close + 2;
            for (let j = i; j < end;) {
                const b = lineBreakAt(j);
                if (b > 0) { j += b; line++; lineStart = j; } else j++;
            }
            i = end;
        } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
            // SL_COMMENT: up to the line break.
            let end = i + 2;
            while (end < n && lineBreakAt(end) === 0) end++;
            const comment = text.slice(i, end);
            const m = MARKER.exec(comment);
            if (m) {
                const start = i - lineStart;
                found.push({
                    line, start, end: start + comment.length, ...parseSuppression(comment, m[0].length, start),
                    alone: text.slice(lineStart, i).trim() === ''
                });
            }
            i = end;
        } else {
            i++;
        }
    }
    // A comment applies to the next line; over a run of suppression-only lines, to the line after them.
    const aloneLines = new Set(found.filter(f => f.alone).map(f => f.line));
    return found.map(({ alone: _alone, ...s }) => {
        let target = s.line + 1;
        while (aloneLines.has(target)) target++;
        return { ...s, target };
    });
}

/** The ids and reason of a suppression comment whose marker ends at `from` (columns from `column`). */
function parseSuppression(comment: string, from: number, column: number): { ids: SuppressionId[]; reason: string } {
    const colon = comment.indexOf(':', from);
    const idsPart = comment.slice(from, colon < 0 ? comment.length : colon);
    const ids: SuppressionId[] = [];
    for (const m of idsPart.matchAll(/[^\s,]+/g)) {
        const start = column + from + m.index;
        ids.push({ text: m[0], start, end: start + m[0].length });
    }
    return { ids, reason: colon < 0 ? '' : comment.slice(colon + 1).trim() };
}

// ---- applying it ---------------------------------------------------------------------------

/** A diagnostic silenced by a suppression comment, and the comment's reason. */
export interface SuppressedDiagnostic {
    readonly diagnostic: Diagnostic;
    readonly reason: string;
}

/** The rule id of a diagnostic (`code`, else `data.code`) when it names a rule of the registry. */
export function ruleOf(d: Diagnostic, rules: RuleRegistry): RuleInfo | undefined {
    const code = diagnosticCode(d);
    return code === undefined ? undefined : rules.byId(code);
}

const SEVERITY: Record<Severity, 1 | 2 | 3> = { error: 1, warning: 2, info: 3 };

/** A rule-control diagnostic (SUP…) with the rule's code, link and severity. */
function supDiagnostic(rule: RuleInfo, message: string, range: Range): Diagnostic {
    return {
        range, message, severity: SEVERITY[rule.severity], code: rule.id,
        codeDescription: { href: ruleDocUrl(rule) }, data: { code: rule.id }, source: 'vmtopo'
    };
}

/**
 * Applies rule control to a document's diagnostics: drops those that a suppression comment with a
 * reason silences (returned in `suppressed`), adds the SUP diagnostics for the document's
 * suppression comments when `reportSuppressions` (a pass that ran every check: only then is
 * "unused" known), then applies the overrides to every diagnostic with a rule code (`off` drops it,
 * a level replaces its severity). Diagnostics without a rule code are left as they are.
 */
export function applyRuleControl(text: string, diagnostics: readonly Diagnostic[], overrides: RuleOverrides,
    reportSuppressions: boolean, rules: RuleRegistry): { diagnostics: Diagnostic[]; suppressed: SuppressedDiagnostic[] } {
    const comments = findSuppressions(text);
    let kept: Diagnostic[] = [...diagnostics];
    const suppressed: SuppressedDiagnostic[] = [];
    if (comments.length > 0) {
        const byTarget = new Map<number, SuppressionComment[]>();
        for (const c of comments) {
            if (c.reason === '') continue; // without a reason it suppresses nothing (SUP001)
            const list = byTarget.get(c.target);
            if (list) list.push(c); else byTarget.set(c.target, [c]);
        }
        const used = new Set<string>(); // `${line}:${start}` of each id word that silenced something
        kept = kept.filter(d => {
            const rule = ruleOf(d, rules);
            if (!rule || rule.id.startsWith('SUP')) return true;
            for (const c of byTarget.get(d.range.start.line) ?? []) {
                const id = c.ids.find(w => w.text.toUpperCase() === rule.id);
                if (id) {
                    used.add(`${c.line}:${id.start}`);
                    suppressed.push({ diagnostic: d, reason: c.reason });
                    return false;
                }
            }
            return true;
        });
        if (reportSuppressions) kept.push(...suppressionDiagnostics(comments, used, rules));
    }
    if (overrides.size > 0) {
        kept = kept.flatMap(d => {
            const rule = ruleOf(d, rules);
            const level = rule && overrides.get(rule.id);
            if (!level) return [d];
            if (level === 'off') return [];
            return [{ ...d, severity: SEVERITY[level] }];
        });
    }
    return { diagnostics: kept, suppressed };
}

/** SUP001/SUP002/SUP003 for the comments; `used` holds the id words that silenced a diagnostic. */
function suppressionDiagnostics(comments: readonly SuppressionComment[], used: ReadonlySet<string>, rules: RuleRegistry): Diagnostic[] {
    const out: Diagnostic[] = [];
    const [SUP001, SUP002, SUP003] = ['SUP001', 'SUP002', 'SUP003'].map(id => rules.required(id));
    const at = (line: number, start: number, end: number): Range => ({ start: { line, character: start }, end: { line, character: end } });
    const example = (ids: string) => `// ${SUPPRESSION_MARKER} ${ids}: reason`;
    for (const c of comments) {
        const whole = at(c.line, c.start, c.end);
        if (c.ids.length === 0) {
            out.push(supDiagnostic(SUP003, `This suppression names no rule: write \`${example('LOC001')}\` (rule ids, a colon, the reason).`, whole));
            continue;
        }
        const known = c.ids.filter(w => rules.byId(w.text.toUpperCase()));
        for (const w of c.ids) {
            if (rules.byId(w.text.toUpperCase())) continue;
            const looksLikeId = /^[A-Za-z]+\d+$/.test(w.text);
            out.push(supDiagnostic(SUP003, looksLikeId
                ? `${w.text} is not a rule id (the rules are listed in docs/rules.md); it suppresses nothing.`
                : `'${w.text}' is not a rule id: write \`${example(known.length > 0 ? known.map(k => k.text.toUpperCase()).join(', ') : 'LOC001')}\` (rule ids, a colon, the reason).`,
            at(c.line, w.start, w.end)));
        }
        if (c.reason === '') {
            const ids = known.map(k => k.text.toUpperCase()).join(', ') || 'LOC001';
            out.push(supDiagnostic(SUP001, `This suppression of ${ids} gives no reason, so it suppresses nothing: write \`${example(ids)}\`.`, whole));
            continue;
        }
        for (const w of known) {
            if (used.has(`${c.line}:${w.start}`)) continue;
            const id = w.text.toUpperCase();
            out.push(supDiagnostic(SUP002, `Unused suppression: ${id} reports nothing on line ${c.target + 1}; remove ${id} from this comment or move the comment above the finding.`,
                at(c.line, w.start, w.end)));
        }
    }
    return out;
}

// ---- the service ---------------------------------------------------------------------------

/**
 * Reads the overrides from the configuration (the `vmtopo.rules` setting) and validates every
 * document again when they change. Diagnostics silenced by a comment are kept per document
 * ({@link suppressedIn}) for the SARIF output, which lists them as suppressed results.
 */
export class RuleControl {
    private readonly services: LangiumCoreServices;
    private cache: { value: unknown; overrides: RuleOverrides } | undefined;
    /** The overrides the documents were last validated with (key), to skip no-op setting changes. */
    private appliedKey = '';
    private readonly warned = new Set<string>();
    private readonly suppressed = new WeakMap<LangiumDocument, SuppressedDiagnostic[]>();
    private readonly rules: RuleRegistry;

    constructor(services: LangiumCoreServices & RuleRegistryServices) {
        this.services = services;
        this.rules = services.validation.RuleRegistry;
        services.shared.workspace.ConfigurationProvider.onConfigurationSectionUpdate(update => {
            if (update.section !== SETTINGS_SECTION) return;
            const rules = (update.configuration as Record<string, unknown> | null | undefined)?.[RULES_SETTING];
            if (overridesKey(this.parse(rules)) !== this.appliedKey) void this.revalidateAll();
        });
    }

    /** The overrides in force (after the configuration is known). */
    async overrides(): Promise<RuleOverrides> {
        const value: unknown = await this.services.shared.workspace.ConfigurationProvider.getConfiguration(SETTINGS_SECTION, RULES_SETTING);
        const overrides = this.parse(value);
        this.appliedKey = overridesKey(overrides);
        return overrides;
    }

    /**
     * Applies rule control to a document's diagnostics (the `DiagnosticsFilter` of the document
     * validator, `langium/document-validator.ts`): suppressions, the SUP diagnostics (on a full
     * pass), then the severity overrides; records what was suppressed.
     */
    async apply(document: LangiumDocument, diagnostics: Diagnostic[], fullPass: boolean): Promise<Diagnostic[]> {
        const overrides = await this.overrides();
        const result = applyRuleControl(document.textDocument.getText(), diagnostics, overrides, fullPass, this.rules);
        this.recordSuppressed(document, result.suppressed, fullPass);
        return result.diagnostics;
    }

    /** Diagnostics of `document` silenced by suppression comments in its last full validation. */
    suppressedIn(document: LangiumDocument): readonly SuppressedDiagnostic[] {
        return this.suppressed.get(document) ?? [];
    }

    /** Records what the last validation pass of `document` suppressed (replacing it on a full pass). */
    recordSuppressed(document: LangiumDocument, suppressed: SuppressedDiagnostic[], fullPass: boolean): void {
        if (fullPass) this.suppressed.set(document, suppressed);
        else if (suppressed.length > 0) this.suppressed.set(document, [...this.suppressedIn(document), ...suppressed]);
    }

    private parse(value: unknown): RuleOverrides {
        if (this.cache && this.cache.value === value) return this.cache.overrides;
        const { overrides, ignored } = overridesFromSettings(value, this.rules);
        for (const line of ignored) {
            if (this.warned.has(line)) continue;
            this.warned.add(line);
            // the language server's console (shared services of createVmtopoServices), else stderr
            const connection = (this.services.shared as { lsp?: { Connection?: { console: { warn(line: string): void } } } }).lsp?.Connection;
            if (connection) connection.console.warn(line); else console.warn(`vmtopo: ${line}`);
        }
        this.cache = { value, overrides };
        return overrides;
    }

    /** Validates every document of the workspace again (under the workspace's write lock). */
    private async revalidateAll(): Promise<void> {
        const workspace = this.services.shared.workspace;
        await workspace.WorkspaceLock.write(async token => {
            const documents = workspace.LangiumDocuments.all.toArray();
            if (documents.length > 0) await workspace.DocumentBuilder.build(documents, { validation: true }, token);
        }).catch(err => {
            // (A newer change or edit cancels this build: the lock resolves then, it does not reject.)
            console.error('vmtopo: validating again after a change of vmtopo.rules failed:', err);
        });
    }
}

