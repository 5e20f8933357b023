/**
 * Quick-fixes, keyed by the diagnostic's `data.code` (the rule id), as in Langium's arithmetics example.
 * The validator computes what to write (CPU lists, sizes) and puts it into `diagnostic.data`; this
 * provider only turns that data into text edits on the VM's clauses, found through the CST.
 *
 * - LOC001 / LOC002 / LOC003 → "Re-pin {vm} to NUMA {n}": `pin {cpus}` (replaced, or inserted after
 *   `vcpus N`) and `on numa {n}` on the memory clause (`data`: {@link RepinData}); when only the
 *   memory binding is wrong (LOC003 with good pins), "Bind memory of {vm} to NUMA {n}".
 * - MMIO001 / MMIO002 / MMIO005 → "Raise MMIO window to {n} GiB" (`data.need`, GiB).
 * - NIC001 → "Use {best} (on the PCIe switch of {gpu})": replaces the NIC reference (`data.nic`,
 *   `data.best`, `data.gpu`).
 * - LIC001 → "Add license nvaie to {vm}".
 * - Any diagnostic whose `data.fixes` lists fixes the check computed itself (title, document, edits;
 *   `validation/rules/fix-edits.ts`) → one action per fix: MIG003–MIG006, VGPU001–VGPU004, VGPU007,
 *   VGPU011, VGPU014, MMIO003, MMIO004, LIC002 (and other families that use it).
 * - Checks that compute their own edits put them in `data.fixes` (validation/rules/fix-edits.ts,
 *   fabric-fixes.ts): one action each (MIG, vGPU, FM, IOMMU, RDMA, LOC005/LOC011, NIC002/NIC003, SRIOV005…).
 * - Several at once (fix-all.ts): "Fix all {RULE} problems in this file" next to a fix whose rule
 *   occurs more than once, and `source.fixAll.vmtopo` for every fixable diagnostic of the document;
 *   each diagnostic's preferred fix, merged (an identical edit once, a clashing fix left out).
 *
 * Every action is verified before it is offered: its edit is applied to a copy of the workspace
 * (every vmtopo document, the edited one replaced), which is validated from scratch; an action whose
 * result has an error the workspace did not have before, or which leaves its own diagnostic in
 * place, is not offered. Verdicts are cached until the next document change. Numbers in edits are
 * checked to be the whole numbers a user can type; a quick-fix that throws is reported to the
 * internal-error log and left out, and the others are still offered.
 */
import { GrammarUtils, URI, WorkspaceCache, type CstNode, type LangiumDocument } from 'langium';
import type { CodeActionProvider, LangiumServices, LangiumSharedServices } from 'langium/lsp';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Command, type Diagnostic, type Position, type TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Model, Vm } from '../generated/ast.js';
import type { InternalErrors } from '../kernel/internal-errors.js';
import { FIX_ALL_KIND, mergeEdits } from './fix-all.js';
import type { RepinData } from '../rules/loc.js';

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
        protected readonly services: LangiumServices & { log: { InternalErrors: InternalErrors } },
        private readonly scratch: ScratchServices
    ) {
        this.verdicts = new WorkspaceCache(services.shared);
    }

    /** The verified quick-fixes for the diagnostics in `params.context`; undefined when there is none. */
    async getCodeActions(document: LangiumDocument, params: CodeActionParams): Promise<Array<Command | CodeAction> | undefined> {
        const log = this.services.log.InternalErrors;
        const actions: CodeAction[] = [];
        const only = params.context.only;
        if (only && only.length > 0 && !only.some(k => CodeActionKind.QuickFix.startsWith(k))) {
            // `source.fixAll` (editor.codeActionsOnSave, "Source Action…") asks for the fix-everything action only.
            if (!only.some(k => FIX_ALL_KIND.startsWith(k))) return undefined;
            const all = await this.fixAll(document, document.diagnostics ?? [], 'Fix all vmtopo problems in this file', FIX_ALL_KIND);
            return all ? [all] : undefined;
        }
        for (const diagnostic of params.context.diagnostics ?? []) {
            const code = (diagnostic?.data as { code?: unknown } | undefined)?.code;
            const label = `quick-fix ${typeof code === 'string' ? code.slice(0, 20) : '?'}`;
            const action = log.guard(label, () => this.actionFor(document, diagnostic), undefined);
            if (action && await this.verify(document, action, diagnostic)) actions.push(action);
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
        return actions.length > 0 ? actions : undefined;
    }

    /** The preferred fix of one diagnostic (the rule's own action, else the first computed one), not yet verified. */
    protected preferredFix(document: LangiumDocument, diagnostic: Diagnostic): CodeAction | undefined {
        const log = this.services.log.InternalErrors;
        const label = `quick-fix ${String(codeOf(diagnostic) ?? '?').slice(0, 20)}`;
        return log.guard(label, () => this.actionFor(document, diagnostic), undefined) ?? log.guard(label, () => computedFixes(document, diagnostic), [])[0];
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

    protected actionFor(document: LangiumDocument, diagnostic: Diagnostic): CodeAction | undefined {
        const data = diagnostic?.data as ({ code?: string; vm?: string } & Record<string, unknown>) | undefined;
        if (typeof data?.code !== 'string' || !diagnostic.range?.start) return undefined;
        if (Array.isArray(data.fixes)) return undefined; // several actions: see actionsFor
        if (typeof data.vm !== 'string') return undefined;
        const vm = findVm(document, data.vm, diagnostic.range.start);
        if (!vm) return undefined;
        switch (data.code) {
            case 'LOC001':
            case 'LOC002':
            case 'LOC003':
                return this.repin(document, diagnostic, vm, data as unknown as RepinData);
            case 'MMIO001':
            case 'MMIO002':
            case 'MMIO005':
                return isTypable(data.need) && data.need > 0 ? this.raiseMmio(document, diagnostic, vm, data.need) : undefined;
            case 'NIC001':
                return this.replaceNic(document, diagnostic, data);
            case 'LIC001':
                return quickFix(document, diagnostic, `Add license nvaie to ${vm.name}`, [insertClause(document, vm, 'license nvaie')]);
            default:
                return undefined;
        }
    }

    protected repin(document: LangiumDocument, diagnostic: Diagnostic, vm: Vm, data: RepinData): CodeAction | undefined {
        const cst = vm.$cstNode;
        if (!cst || !isTypable(data.numa)) return undefined;
        if (data.cpus !== undefined && (typeof data.cpus !== 'string' || !CPU_LIST_TEXT.test(data.cpus))) return undefined;
        const edits: TextEdit[] = [];
        if (data.cpus) {
            const pin = GrammarUtils.findNodeForProperty(cst, 'pin');
            const vcpus = GrammarUtils.findNodeForProperty(cst, 'vcpus');
            if (pin) edits.push({ range: pin.range, newText: data.cpus });
            else if (vcpus) edits.push({ range: { start: vcpus.range.end, end: vcpus.range.end }, newText: ` pin ${data.cpus}` });
            else return undefined;
        }
        if (data.bindMemory) {
            const numa = GrammarUtils.findNodeForProperty(cst, 'memoryNuma');
            const size = vm.memory?.$cstNode;
            if (numa) edits.push({ range: numa.range, newText: String(data.numa) });
            else if (size) edits.push({ range: { start: size.range.end, end: size.range.end }, newText: ` on numa ${data.numa}` });
        }
        if (edits.length === 0) return undefined;
        const title = data.cpus ? `Re-pin ${vm.name} to NUMA ${data.numa}` : `Bind memory of ${vm.name} to NUMA ${data.numa}`;
        return quickFix(document, diagnostic, title, edits);
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
            const before = await this.cached('baseline', () => this.errorKeys(sources)) as Map<string, number>;
            const key = JSON.stringify([uri, edits, diagnostic.code, diagnostic.message]);
            return await this.cached(key, async () => {
                const edited = TextDocument.applyEdits(document.textDocument as TextDocument, edits);
                const after = await this.errorKeys(sources.map(s => (s.uri === uri ? { uri, text: edited } : s)));
                const fixed = diagnosticKey(uri, diagnostic.code, diagnostic.message);
                const addsError = [...after].some(([k, n]) => !k.startsWith('~') && n > (before.get(k) ?? 0));
                return !addsError && (after.get(fixed) ?? 0) < (before.get(fixed) ?? 0);
            }) as boolean;
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

    protected replaceNic(document: LangiumDocument, diagnostic: Diagnostic, data: Record<string, unknown>): CodeAction | undefined {
        const { nic, best, gpu } = data;
        if (typeof best !== 'string' || typeof nic !== 'string') return undefined;
        // The diagnostic underlines the NIC reference itself; make sure it still reads as the NIC.
        if (document.textDocument.getText(diagnostic.range) !== nic) return undefined;
        return quickFix(document, diagnostic, `Use ${best} (on the PCIe switch of ${String(gpu)})`, [{ range: diagnostic.range, newText: best }]);
    }

    protected raiseMmio(document: LangiumDocument, diagnostic: Diagnostic, vm: Vm, need: number): CodeAction | undefined {
        const size = vm.mmio?.$cstNode;
        const edit = size
            ? { range: size.range, newText: `${need} GiB` }
            : insertClause(document, vm, `mmio ${need} GiB`);
        return quickFix(document, diagnostic, `Raise MMIO window to ${need} GiB`, [edit]);
    }
}

/**
 * The actions a check computed itself (`data.fixes`: title, document, edits; see
 * `validation/rules/fix-edits.ts`), one per fix, in the order given, only those for this document
 * and with well-formed edits. The first is marked preferred. (MIG003–MIG006, VGPU001–VGPU004,
 * VGPU007, VGPU011, VGPU014, MMIO003, MMIO004, LIC002.)
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

/** Text of a CPU list as the validator's plans write it: `3-4,19-20`. */
const CPU_LIST_TEXT = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** A number a user can type back: a non-negative safe integer (never `1.5`, `1e+21` or `Infinity`). */
function isTypable(value: unknown): value is number {
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
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

/** The VM named `name` in the document; the one containing `at` when the name is declared twice. */
function findVm(document: LangiumDocument, name: string, at: Position): Vm | undefined {
    const vms = (document.parseResult.value as Model).vms.filter(v => v.name === name);
    return vms.find(v => v.$cstNode && contains(v.$cstNode, at)) ?? vms[0];
}

function contains(cst: CstNode, p: Position): boolean {
    const { start, end } = cst.range;
    const after = p.line > start.line || (p.line === start.line && p.character >= start.character);
    const before = p.line < end.line || (p.line === end.line && p.character <= end.character);
    return after && before;
}

/**
 * An edit that adds a clause as the VM's last line, indented like the line before the closing
 * brace; on a one-line VM (`vm a on h { … }`) it goes before the brace on the same line.
 */
function insertClause(document: LangiumDocument, vm: Vm, clause: string): TextEdit {
    const brace = GrammarUtils.findNodeForKeyword(vm.$cstNode, '}');
    const text = document.textDocument;
    if (!brace) {
        const end = vm.$cstNode!.range.end;
        return { range: { start: end, end }, newText: ` ${clause}` };
    }
    const line = brace.range.start.line;
    const lineText = (n: number) => text.getText({ start: { line: n, character: 0 }, end: { line: n + 1, character: 0 } }).replace(/\r?\n$/, '');
    const beforeBrace = lineText(line).slice(0, brace.range.start.character);
    if (beforeBrace.trim() !== '') {
        return { range: { start: brace.range.start, end: brace.range.start }, newText: `${clause} ` };
    }
    const previous = line > vm.$cstNode!.range.start.line ? lineText(line - 1) : '';
    const indent = line - 1 > vm.$cstNode!.range.start.line ? /^\s*/.exec(previous)![0] : `${beforeBrace}    `;
    const at = { line, character: 0 };
    return { range: { start: at, end: at }, newText: `${indent}${clause}\n` };
}
