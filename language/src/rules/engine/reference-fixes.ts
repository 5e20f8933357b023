/**
 * Edit helpers for quick-fixes that rewrite reference lists and add clauses or VMs (FM, IOMMU, RDMA,
 * LOC011, NIC002/NIC003), in the form of `fixes.ts` (a report's `fixes`, {@link FixData}; the
 * code-action provider verifies each before offering it). Each helper returns the edits of one
 * document, or undefined when the syntax it needs is not there (a half-typed clause): then no fix
 * is offered.
 */
import { GrammarUtils, type AstNode } from 'langium';
import type { ResolvedTopology } from '../../model/resolve.js';
import type { GpuModel, VmModel } from '../../model/topology.js';
import { isPassthroughGpus } from '../../generated/ast.js';
import { combine, insertVmClause, referenceNodes, removeLineOrNode, uriOf, type FixData, type FixEdit, type FixPosition } from './fixes.js';

export type FixPart = { uri: string; edits: FixEdit[] } | undefined;

/** Rewrites the whole reference list of `property` of a clause (`gpu a, b passthrough` → `gpu c, d passthrough`). */
export function replaceReferences(clause: AstNode, property: string, names: readonly string[]): FixPart {
    const uri = uriOf(clause);
    const refs = referenceNodes(clause, property);
    if (!uri || refs.length === 0 || names.length === 0) return undefined;
    return { uri, edits: [{ range: { start: refs[0].range.start, end: refs[refs.length - 1].range.end }, newText: names.join(', ') }] };
}

/** Appends names to the reference list of a clause (`nic a passthrough` → `nic a, b passthrough`). */
export function appendReferences(clause: AstNode, property: string, names: readonly string[]): FixPart {
    const uri = uriOf(clause);
    const refs = referenceNodes(clause, property);
    if (!uri || refs.length === 0 || names.length === 0) return undefined;
    const end = refs[refs.length - 1].range.end;
    return { uri, edits: [{ range: { start: end, end }, newText: `, ${names.join(', ')}` }] };
}

/**
 * Removes reference `index` of a clause: the clause goes (with its line when alone on it) when it
 * has no other reference, else the list is rewritten without it.
 */
export function removeReference(clause: AstNode, property: string, index: number): FixPart {
    const uri = uriOf(clause);
    const refs = referenceNodes(clause, property);
    const cst = clause.$cstNode;
    if (!uri || !cst || index >= refs.length) return undefined;
    if (refs.length === 1) return { uri, edits: [removeLineOrNode(cst)] };
    const kept = refs.filter((_, i) => i !== index).map(r => r.text);
    return { uri, edits: [{ range: { start: refs[0].range.start, end: refs[refs.length - 1].range.end }, newText: kept.join(', ') }] };
}

/** Inserts `text` right after the node's last token (` ats enabled` after a NIC declaration). */
export function insertAfterNode(node: AstNode, text: string): FixPart {
    const uri = uriOf(node);
    const cst = node.$cstNode;
    if (!uri || !cst) return undefined;
    return { uri, edits: [{ range: { start: cst.range.end, end: cst.range.end }, newText: text }] };
}

/** Inserts `text` before the node's `{` (a switch clause: `acs direct-translated ` before the body). */
export function insertBeforeBrace(node: AstNode, text: string): FixPart {
    const uri = uriOf(node);
    const brace = node.$cstNode && GrammarUtils.findNodeForKeyword(node.$cstNode, '{');
    if (!uri || !brace) return undefined;
    return { uri, edits: [{ range: { start: brace.range.start, end: brace.range.start }, newText: text }] };
}

/** Appends `text` at the end of the document of `node` (a new VM). */
export function appendToDocument(node: AstNode, text: string): FixPart {
    const uri = uriOf(node);
    const cst = node.$cstNode;
    if (!uri || !cst) return undefined;
    const full = cst.root.fullText;
    const lines = full.split('\n');
    const end: FixPosition = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const lead = full.endsWith('\n') ? '\n' : '\n\n';
    return { uri, edits: [{ range: { start: end, end }, newText: `${lead}${text}` }] };
}

/**
 * Adds references to a VM: to its first clause of that kind (`$type`, e.g. `NicAssignment` with
 * `passthrough`), else as a new clause `keyword a, b passthrough` at the end of the VM.
 */
export function addToVm(vmNode: AstNode, clauses: readonly AstNode[], property: string, keyword: string, names: readonly string[]): FixPart {
    if (names.length === 0) return undefined;
    const clause = clauses[0];
    return clause ? appendReferences(clause, property, names) : insertVmClause(vmNode, `${keyword} ${names.join(', ')} passthrough`);
}

/** The syntax node a model object was resolved from. */
export function astOf(resolved: ResolvedTopology, obj: object | undefined): AstNode | undefined {
    return obj ? resolved.trace.get(obj)?.node : undefined;
}

/**
 * A fix that rewrites the VM's passthrough GPU list to `gpus`, when all its passthrough GPUs are
 * written in one `gpu … passthrough` clause (else none).
 */
export function gpuListFix(resolved: ResolvedTopology, vm: VmModel, title: string, gpus: readonly GpuModel[]): FixData[] {
    const clauses = new Set(vm.gpus.filter(g => g.mode === 'passthrough').map(g => astOf(resolved, g)));
    const clause = [...clauses][0];
    if (clauses.size !== 1 || !isPassthroughGpus(clause)) return [];
    const fix = combine(title, [replaceReferences(clause, 'gpus', gpus.map(g => g.name))]);
    return fix ? [fix] : [];
}
