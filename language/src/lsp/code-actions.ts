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
 */
import { GrammarUtils, type CstNode, type LangiumDocument, type MaybePromise } from 'langium';
import type { CodeActionProvider, LangiumServices } from 'langium/lsp';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Command, type Diagnostic, type Position, type TextEdit } from 'vscode-languageserver';
import type { Model, Vm } from '../generated/ast.js';
import type { RepinData } from '../validation/rules/loc.js';

export class VmtopoCodeActionProvider implements CodeActionProvider {
    constructor(protected readonly services: LangiumServices) {}

    /** The quick-fixes for the diagnostics in `params.context`; undefined when there is none. */
    getCodeActions(document: LangiumDocument, params: CodeActionParams): MaybePromise<Array<Command | CodeAction> | undefined> {
        const actions: CodeAction[] = [];
        for (const diagnostic of params.context.diagnostics) {
            const action = this.actionFor(document, diagnostic);
            if (action) actions.push(action);
        }
        return actions.length > 0 ? actions : undefined;
    }

    protected actionFor(document: LangiumDocument, diagnostic: Diagnostic): CodeAction | undefined {
        const data = diagnostic.data as ({ code?: string; vm?: string } & Record<string, unknown>) | undefined;
        if (!data?.code || typeof data.vm !== 'string') return undefined;
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
                return typeof data.need === 'number' ? this.raiseMmio(document, diagnostic, vm, data.need) : undefined;
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
        if (!cst || typeof data.numa !== 'number') return undefined;
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
