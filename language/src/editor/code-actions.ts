/**
 * Quick-fixes: the code-action provider turns the quick-fixes of a diagnostic into verified code
 * actions. Every rule computes its own fixes in its family file (`rules/<prefix>.ts`, with the
 * edit helpers of `rules/engine/fixes.ts`), and the rule engine puts them into the diagnostic's
 * `data.fixes` (title, document, edits): one action per fix, in the order given, the first
 * preferred. This provider writes no text of its own.
 *
 * - Several at once (fix-all.ts): "Fix all {RULE} problems in this file" next to a fix whose rule
 *   occurs more than once, and `source.fixAll.vmtopo` for every fixable diagnostic of the document;
 *   each diagnostic's preferred fix, merged (an identical edit once, a clashing fix left out).
 *
 * Every action is verified before it is offered: its edit is applied to a copy of the workspace
 * (every vmtopo document, the edited one replaced), which is validated from scratch; an action whose
 * result has an error the workspace did not have before, or which leaves its own diagnostic in
 * place, is not offered. Verdicts are cached until the next document change. Edits must lie in the
 * diagnostic's document and their positions be whole numbers (the checks test the numbers they
 * write, `isTypable`); a quick-fix that throws is reported to the internal-error log and left out,
 * and the others are still offered.
 */
import { URI, WorkspaceCache, type LangiumDocument } from 'langium';
import type { CodeActionProvider, LangiumServices, LangiumSharedServices } from 'langium/lsp';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Command, type Diagnostic, type Position, type TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { InternalErrors } from '../kernel/internal-errors.js';
import { isTypable } from '../rules/engine/fixes.js';
import { FIX_ALL_KIND, mergeEdits } from './fix-all.js';
import type { ModelServices } from '../model/topology-provider.js';
import { placeRequestActions, replanVmActions } from './plan-actions.js';

/** Creates the services verifications build their scratch workspace with (one instance, reused). */
export type ScratchServices = () => LangiumSharedServices;

/** A vmtopo document's URI and text. */
interface Source {
    readonly uri: string;
    readonly text: string;
}

export class VmtopoCodeActionProvider implements CodeActionProvider {
    /** Error keys of the unchanged workspace, and verdicts per edit, until the next change. */
    private readonly verdicts: WorkspaceCache<string, Promise<unknown>>;
    /** The scratch workspace's services, created on first use and reused (one at a time, see {@link errorKeys}). */
    private scratchShared?: LangiumSharedServices;
    /** Scratch builds run one after the other: they share one set of document URIs. */
    private scratchQueue: Promise<unknown> = Promise.resolve();

    constructor(
        protected readonly services: LangiumServices & { log: { InternalErrors: InternalErrors } } & Partial<ModelServices>,
        private readonly scratch: ScratchServices
    ) {
        this.verdicts = new WorkspaceCache(services.shared);
    }

    /** The verified quick-fixes for the diagnostics in `params.context`; undefined when there is none. */
    async getCodeActions(document: LangiumDocument, params: CodeActionParams): Promise<Array<Command | CodeAction> | undefined> {
        const log = this.services.log.InternalErrors;
        const actions: CodeAction[] = [];
        const only = params.context.only;
        if (only && only.length > 0 && !only.some(k => CodeActionKind.QuickFix.startsWith(k) || CodeActionKind.RefactorRewrite.startsWith(k))) {
            // `source.fixAll` (editor.codeActionsOnSave, "Source Action…") asks for the fix-everything action only.
            if (!only.some(k => FIX_ALL_KIND.startsWith(k))) return undefined;
            const all = await this.fixAll(document, document.diagnostics ?? [], 'Fix all vmtopo problems in this file', FIX_ALL_KIND);
            return all ? [all] : undefined;
        }
        for (const diagnostic of params.context.diagnostics ?? []) {
            const code = (diagnostic?.data as { code?: unknown } | undefined)?.code;
            const label = `quick-fix ${typeof code === 'string' ? code.slice(0, 20) : '?'}`;
            for (const fix of log.guard(label, () => computedFixes(document, diagnostic), [])) {
                if (await this.verify(document, fix, diagnostic)) actions.push(fix);
            }
        }
        // "Fix all RULE problems in this file" for each kind offered here that occurs more than once.
        const codes = new Set(actions.flatMap(a => a.diagnostics ?? []).map(codeOf).filter(c => c !== undefined));
        for (const code of codes) {
            const same = (document.diagnostics ?? []).filter(d => codeOf(d) === code);
            if (same.length < 2 || same.length > FIX_ALL_LIMIT) continue;
            const all = await this.fixAll(document, same, `Fix all ${code} problems in this file`, CodeActionKind.QuickFix);
            if (all) actions.push(all);
        }
        // "Place this request" on a request block, "Re-plan this VM" on LOC/NIC/MIG diagnostics (editor/plan-actions.ts).
        const model = this.services.model;
        // Re-planning moves a VM: offered in the Refactor menu (asked for explicitly), not among a rule's own quick-fixes.
        if (model && only?.some(k => CodeActionKind.RefactorRewrite.startsWith(k))) {
            const replans = await replanVmActions(document, params.context.diagnostics ?? [], model.TopologyProvider.get().topology)
                .catch((e: unknown) => { log.guard('re-plan VM', () => { throw e; }, undefined); return []; });
            for (const { action, diagnostic } of replans) if (await this.verify(document, action, diagnostic)) actions.push(action);
        }
        if (model && (!only || only.length === 0 || only.some(k => CodeActionKind.RefactorRewrite.startsWith(k)))) {
            const hasErrors = this.services.shared.workspace.LangiumDocuments.all.some(d => (d.diagnostics ?? []).some(x => x.severity === 1));
            actions.push(...await log.guard('place request', () => placeRequestActions(document, params.range, model.TopologyProvider.get().topology, hasErrors), Promise.resolve([]))
                .catch((e: unknown) => { log.guard('place request', () => { throw e; }, undefined); return []; }));
        }
        return actions.length > 0 ? actions : undefined;
    }

    /** The preferred fix of one diagnostic (the first of its `data.fixes`), not yet verified. */
    protected preferredFix(document: LangiumDocument, diagnostic: Diagnostic): CodeAction | undefined {
        const label = `quick-fix ${String(codeOf(diagnostic) ?? '?').slice(0, 20)}`;
        return this.services.log.InternalErrors.guard(label, () => computedFixes(document, diagnostic), [])[0];
    }

    /**
     * One action applying the preferred fixes of `diagnostics` together (fix-all.ts: identical edits
     * once, a fix whose edits overlap others' left out), offered when it fixes at least two and,
     * applied as a whole, adds no error: one verification of the whole (a scratch build), not one
     * per fix, and none for a document with more than {@link FIX_ALL_LIMIT} fixable diagnostics.
     */
    protected async fixAll(document: LangiumDocument, diagnostics: readonly Diagnostic[], title: string, kind: string): Promise<CodeAction | undefined> {
        const uri = document.textDocument.uri;
        const edits: TextEdit[] = [];
        const fixed: Diagnostic[] = [];
        const fixable = diagnostics.filter(d => codeOf(d) !== undefined);
        if (fixable.length > FIX_ALL_LIMIT) return undefined;
        for (const d of fixable) {
            const action = this.preferredFix(document, d);
            const own = action?.edit?.changes?.[uri];
            if (own && mergeEdits(edits, own)) fixed.push(d);
        }
        if (fixed.length < 2) return undefined;
        const action: CodeAction = { title, kind, diagnostics: fixed, isPreferred: false, edit: { changes: { [uri]: edits } } };
        return await this.verify(document, action, fixed[0]) ? action : undefined;
    }

    /**
     * Whether `action` may be offered: applied to a copy of the workspace and validated from
     * scratch, it adds no error and removes (or reduces) `diagnostic`. Any failure of the check
     * itself means "no".
     */
    protected async verify(document: LangiumDocument, action: CodeAction, diagnostic: Diagnostic): Promise<boolean> {
        const uri = document.uri.toString();
        const edits = action.edit?.changes?.[uri];
        if (!edits || Object.keys(action.edit?.changes ?? {}).length !== 1) return false;
        try {
            const sources = this.workspaceSources();
            const before = await this.cached<Map<string, number>>('baseline', () => this.errorKeys(sources));
            const key = JSON.stringify([uri, edits, diagnostic.code, diagnostic.message]);
            return await this.cached<boolean>(key, async () => {
                const edited = TextDocument.applyEdits(document.textDocument, edits);
                const after = await this.errorKeys(sources.map(s => (s.uri === uri ? { uri, text: edited } : s)));
                const fixed = diagnosticKey(uri, diagnostic.code, diagnostic.message);
                const addsError = [...after].some(([k, n]) => !k.startsWith('~') && n > (before.get(k) ?? 0));
                return !addsError && (after.get(fixed) ?? 0) < (before.get(fixed) ?? 0);
            });
        } catch (err) {
            this.services.log.InternalErrors.report(`verifying quick-fix ${String(diagnostic.code)}`, err);
            return false;
        }
    }

    /**
     * Builds `sources` as a workspace in the scratch services and returns its diagnostics as counted
     * keys: errors as `uri|code|message`, and every error, warning or info also as `~uri|code|message` (to
     * tell whether a fixed diagnostic is gone). The documents are removed again afterwards
     * (`DocumentBuilder.update`, which also clears the scratch topology cache), so nothing
     * accumulates: services are reused rather than created per check, since each instance that has
     * parsed keeps some memory for the life of the process.
     */
    private errorKeys(sources: readonly Source[]): Promise<Map<string, number>> {
        const run = async (): Promise<Map<string, number>> => {
            const shared = this.scratchShared ??= this.scratch();
            const documents = sources.map(s => {
                const doc = shared.workspace.LangiumDocumentFactory.fromString(s.text, URI.parse(s.uri));
                shared.workspace.LangiumDocuments.addDocument(doc);
                return doc;
            });
            try {
                await shared.workspace.DocumentBuilder.build(documents, { validation: true });
                const keys = new Map<string, number>();
                const add = (k: string) => keys.set(k, (keys.get(k) ?? 0) + 1);
                for (const doc of documents) {
                    for (const d of doc.diagnostics ?? []) {
                        const k = diagnosticKey(doc.uri.toString(), d.code, d.message);
                        if ((d.severity ?? 1) === 1) add(k.slice(1));
                        if ((d.severity ?? 1) <= 3) add(k); // infos too: LOC005 and LOC011 have fixes
                    }
                }
                return keys;
            } catch (err) {
                this.scratchShared = undefined; // start the next check from fresh services
                throw err;
            } finally {
                await shared.workspace.DocumentBuilder.update([], documents.map(d => d.uri)).catch(() => {
                    this.scratchShared = undefined;
                });
            }
        };
        const result = this.scratchQueue.then(run, run);
        this.scratchQueue = result.catch(() => undefined);
        return result;
    }

    private cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
        return this.verdicts.get(key, compute) as Promise<T>;
    }

    /** Every vmtopo document of the workspace with its current text. */
    private workspaceSources(): Source[] {
        return this.services.shared.workspace.LangiumDocuments.all
            .filter(d => d.textDocument.languageId === 'vmtopo' || d.uri.path.endsWith('.vmtopo'))
            .map(d => ({ uri: d.uri.toString(), text: d.textDocument.getText() }))
            .toArray();
    }
}

/**
 * The actions of a diagnostic's quick-fixes (`data.fixes`: title, document, edits; see
 * `rules/engine/fixes.ts`), one per fix, in the order given, only those for this document and with
 * well-formed edits. The first is marked preferred.
 */
function computedFixes(document: LangiumDocument, diagnostic: Diagnostic): CodeAction[] {
    const fixes = (diagnostic?.data as { fixes?: unknown } | undefined)?.fixes;
    if (!Array.isArray(fixes)) return [];
    const uri = document.uri.toString();
    const actions: CodeAction[] = [];
    for (const f of fixes as Array<{ title?: unknown; uri?: unknown; edits?: unknown }>) {
        if (typeof f?.title !== 'string' || f.uri !== uri || !Array.isArray(f.edits) || f.edits.length === 0) continue;
        const edits = f.edits as TextEdit[];
        if (!edits.every(e => typeof e?.newText === 'string' && isPosition(e.range?.start) && isPosition(e.range?.end))) continue;
        const action = quickFix(document, diagnostic, f.title, edits.map(e => ({ range: e.range, newText: e.newText })));
        action.isPreferred = actions.length === 0;
        actions.push(action);
    }
    return actions;
}

function isPosition(p: unknown): p is Position {
    const q = p as Position | undefined;
    return isTypable(q?.line) && isTypable(q?.character);
}

/** At most this many diagnostics are fixed together (a bigger document gets the single fixes only). */
const FIX_ALL_LIMIT = 200;

/** The rule id of a diagnostic (`data.code`). */
function codeOf(d: Diagnostic): string | undefined {
    const code = (d?.data as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? code : undefined;
}

/**
 * The key of a diagnostic in {@link errorKeys}' warning-or-error form. The lexer's messages name
 * the character offset, which an edit before them shifts: that number is left out.
 */
function diagnosticKey(uri: string, code: Diagnostic['code'], message: Diagnostic['message']): string {
    const text = typeof message === 'string' ? message.replace(/ at offset: \d+,/, ',') : '';
    return `~${uri}|${code ?? ''}|${text}`;
}

function quickFix(document: LangiumDocument, diagnostic: Diagnostic, title: string, edits: TextEdit[]): CodeAction {
    return {
        title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: { changes: { [document.textDocument.uri]: edits } }
    };
}
