/**
 * Completion: Langium's grammar-driven completion (keywords, references) with
 * - catalog models after `gpu NAME` / `nic NAME` / `nvswitch NAME` and `cpu`, their facts as detail;
 * - the vGPU types of the GPU(s) named in a `vgpu` clause, largest frame buffer first, with frame
 *   buffer and maximum per GPU; the MIG profiles of the GPU(s) in a `mig` clause with their free
 *   start slots;
 * - size units, PCIe link speeds and widths, the port speeds of the NIC's model;
 * - inside a VM, the devices of its host: free ones first, then shared ones, those the VM already
 *   holds, and last those the clause would take against a rule (marked with the rule id);
 * - vGPU types and MIG profiles that would break a rule on the clause's GPU (a time-sliced type on a
 *   GPU carrying MIG-backed slices: GEN003) marked with the rule id and ranked below the others;
 * - the full facts of every choice in its documentation (detail and label stay one short line);
 * - clause keywords only where a clause can start: at the start of a line only keywords that begin
 *   a clause ({@link clauseStarts}, from the grammar), after a clause on the same line only its
 *   optional tails when it has any (`pin` after `vcpus 8`, `on`/`hugepages` after `memory 64 GiB`);
 * - snippets for a new host and VM (top level) and a new PCIe switch (in a host or switch).
 * Facts come from the resolved model (`TopologyProvider`) and the catalog.
 */
import { AstUtils, CstUtils, GrammarAST, type AstNode, type AstNodeDescription, type LangiumDocument, type MaybePromise, type ReferenceInfo } from 'langium';
import {
    DefaultCompletionProvider, type CompletionAcceptor, type CompletionContext, type CompletionProviderOptions, type CompletionValueItem, type NextFeature
} from 'langium/lsp';
import {
    CompletionItemKind, InsertTextFormat, type CancellationToken, type CompletionItem, type CompletionList, type CompletionParams, type MarkupContent, type Range
} from 'vscode-languageserver';
import { CPUS, GPUS, NICS, NVSWITCHES, findMigProfile, type VgpuType } from '../catalog/index.js';
import { isHost, isMigSlice, isNic, isVgpuSlice, isVm, type Gpu, type Vm } from '../generated/ast.js';
import type { DeviceModel, GpuModel, HostModel, NicModel } from '../model/topology.js';
import { PCIE_SPEEDS_GTS, PCIE_WIDTHS, formatBdf } from '../syntax/tokens.js';
import type { VmtopoEditorServices } from '../langium/services.js';
import { clauseStarts, type ClauseStarts } from './clause-starts.js';
import { describeUses, deviceUses, freeStartSlots, type DeviceUse } from '../model/device-holders.js';
import { migProfileFacts, specFacts, vgpuTypeFacts } from '../catalog/facts.js';

/** Size units of the language (binary; `sizeToMiB` in syntax/tokens.ts accepts exactly these), most used first. */
const SIZE_UNITS = ['GiB', 'MiB', 'TiB'] as const;

/**
 * PCIe generation of a per-lane speed in GT/s: Gen1 2.5, Gen2 5, Gen3 8, Gen4 16, Gen5 32, Gen6 64
 * (PCI Express Base Specification, https://pcisig.com/specifications/pciexpress).
 */
const PCIE_GENERATION: Record<number, number> = { 2.5: 1, 5: 2, 8: 3, 16: 4, 32: 5, 64: 6 };

/** Sort text that keeps the given order (`0000`, `0001`, …) ahead of Langium's keywords (`1`). */
function order(i: number): string {
    return `0${String(i).padStart(4, '0')}`;
}

export class VmtopoCompletionProvider extends DefaultCompletionProvider {
    /** `"` opens a catalog string (editors close it: `"|"`), so completion of the model starts there. */
    override readonly completionOptions: CompletionProviderOptions = { triggerCharacters: ['"'] };
    private readonly starts: ClauseStarts;

    constructor(protected readonly services: VmtopoEditorServices) {
        super(services);
        this.starts = clauseStarts(this.grammar);
    }

    override async getCompletion(document: LangiumDocument, params: CompletionParams, cancelToken?: CancellationToken): Promise<CompletionList | undefined> {
        const list = await super.getCompletion(document, params, cancelToken);
        if (!list) return list;
        const text = document.textDocument.getText();
        const offset = document.textDocument.offsetAt(params.position);
        const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
        const atLineStart = text.slice(lineStart, offset).replace(/[\w-]*$/, '').trim() === '';
        list.items = this.filterClauseKeywords(list.items, atLineStart);
        if (atLineStart) {
            list.items.push(...this.snippets(document, list.items, offset, text.slice(lineStart, offset).match(/[\w-]*$/)![0].length));
        }
        return list;
    }

    /**
     * At the start of a line only keywords that begin a clause; after a clause on the same line,
     * the keywords that continue it when there are any (else all). Which is which comes from the
     * keyword's grammar element (`numa` begins a clause in a socket but continues `memory … on numa`
     * in a VM), marked by {@link completionForKeyword}.
     */
    protected filterClauseKeywords(items: CompletionItem[], atLineStart: boolean): CompletionItem[] {
        const starts = new Set<CompletionItem>();
        for (const item of items) {
            if (item.kind === CompletionItemKind.Keyword && (item.data as { clauseStart?: boolean } | undefined)?.clauseStart) starts.add(item);
            if (item.kind === CompletionItemKind.Keyword) delete item.data;
        }
        const keywords = items.filter(i => i.kind === CompletionItemKind.Keyword);
        const continuing = keywords.filter(i => !starts.has(i));
        const keep = new Set(atLineStart ? keywords.filter(i => starts.has(i)) : continuing.length > 0 ? continuing : keywords);
        return items.filter(i => i.kind !== CompletionItemKind.Keyword || keep.has(i));
    }

    protected override completionForKeyword(context: CompletionContext, keyword: GrammarAST.Keyword, acceptor: CompletionAcceptor): MaybePromise<void> {
        const clauseStart = this.starts.elements.has(keyword);
        return super.completionForKeyword(context, keyword, (ctx, value) => acceptor(ctx, { ...value, data: { clauseStart } }));
    }

    /** Snippets for a new host and VM where `host`/`vm` may start, and a PCIe switch where `pcie-switch` may. */
    protected snippets(document: LangiumDocument, items: readonly CompletionItem[], offset: number, typed: number): CompletionItem[] {
        const offered = new Set(items.filter(i => i.kind === CompletionItemKind.Keyword).map(i => i.label));
        const position = document.textDocument.positionAt(offset);
        const range: Range = { start: { line: position.line, character: position.character - typed }, end: position };
        const topology = this.services.model.TopologyProvider.get().topology;
        const choice = (values: readonly string[], fallback: string): string =>
            values.length > 0 ? `|${[...new Set(values)].map(v => v.replace(/[$}\\,|]/g, m => `\\${m}`)).join(',')}|` : `:${fallback}`;
        const snippet = (label: string, detail: string, body: string, sort: number): CompletionItem => ({
            label, kind: CompletionItemKind.Snippet, detail, insertTextFormat: InsertTextFormat.Snippet,
            textEdit: { range, newText: body }, filterText: label.split(' ')[0], sortText: order(900 + sort)
        });
        const result: CompletionItem[] = [];
        if (offered.has('host')) {
            result.push(snippet('host … { }', 'New host: platform, socket, GPU', [
                'host ${1:name} {',
                '    platform ${2|kvm,esxi|}',
                '    socket ${3:cpu0} { numa 0 cores ${4:0-31} memory ${5:512} GiB }',
                `    gpu \${6:gpu0} "\${7${choice(GPUS.map(g => g.model), 'model')}}" at \${8:0000:19:00.0} on \${3}`,
                '    $0',
                '}'
            ].join('\n'), 0));
        }
        if (offered.has('vm')) {
            result.push(snippet('vm … on … { }', 'New VM: vCPUs, memory, GPU', [
                `vm \${1:name} on \${2${choice(topology.hosts.map(h => h.name), 'host')}} {`,
                '    vcpus ${3:8}',
                '    memory ${4:64} GiB',
                '    $0',
                '}'
            ].join('\n'), 1));
        }
        if (offered.has('pcie-switch')) {
            const host = this.hostAt(document, offset);
            result.push(snippet('pcie-switch … { }', 'New PCIe switch: upstream port, socket, link', [
                `pcie-switch \${1:sw0} at \${2:0000:16:00.0} on \${3${choice(host?.numaNodes.map(n => n.socket) ?? [], 'cpu0')}} link \${4:32} GT/s \${5:x16} {`,
                '    $0',
                '}'
            ].join('\n'), 2));
        }
        return result;
    }

    private hostAt(document: LangiumDocument, offset: number): HostModel | undefined {
        const root = document.parseResult.value.$cstNode;
        const leaf = root && CstUtils.findLeafNodeBeforeOffset(root, offset);
        const host = leaf && AstUtils.getContainerOfType(leaf.astNode, isHost);
        return host ? this.modelOf<HostModel>(host) : undefined;
    }

    private modelOf<T>(node: AstNode): T | undefined {
        return this.services.model.TopologyProvider.get().modelOf.get(node) as T | undefined;
    }

    protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): MaybePromise<void> {
        const assignment = GrammarAST.isAssignment(next.feature) ? next.feature : AstUtils.getContainerOfType(next.feature, GrammarAST.isAssignment);
        if (assignment && !GrammarAST.isCrossReference(assignment.terminal)) {
            const rule = AstUtils.getContainerOfType(assignment, GrammarAST.isParserRule)?.name;
            if (this.log(() => this.valueCompletion(context, `${rule}.${assignment.feature}`, acceptor), false)) return;
        }
        return super.completionFor(context, next, acceptor);
    }

    private log<T>(f: () => T, fallback: T): T {
        return this.services.log.InternalErrors.guard('completion', f, fallback);
    }

    /** Proposals for a value (not a keyword, not a reference); false when the property has none. */
    protected valueCompletion(context: CompletionContext, property: string, acceptor: CompletionAcceptor): boolean {
        switch (property) {
            case 'Gpu.model': return this.catalogModels(context, GPUS, acceptor, g => `${g.memoryGB} GB · PCIe ${g.link.speedGTs} GT/s x${g.link.width} · ${g.formFactor.toUpperCase()} · MIG ${g.migProfiles.length > 0 ? 'yes' : 'no'} · ${g.vgpuTypes.length} vGPU types`);
            case 'Nic.model': return this.catalogModels(context, NICS, acceptor, n => `${n.speedsGbps[0]} Gb/s · PCIe ${n.link.speedGTs} GT/s x${n.link.width} · ${n.maxVfsPerPf} VFs per PF`);
            case 'NvSwitch.model': return this.catalogModels(context, NVSWITCHES, acceptor, s => `NVSwitch · PCI id ${s.pciIds.map(id => `${id.vendor}:${id.device}`).join(', ')}`);
            case 'Host.cpuModel': return this.catalogModels(context, CPUS, acceptor, c => `${c.vendor} · ${c.arch}`);
            case 'VgpuSlice.vgpuType': return this.vgpuTypes(context, acceptor);
            case 'MigSlice.profile': return this.migProfiles(context, acceptor);
            case 'MigSlice.start': return this.migStarts(context, acceptor);
            case 'Size.unit': {
                SIZE_UNITS.forEach((unit, i) => acceptor(context, {
                    label: unit, kind: CompletionItemKind.Unit, detail: `${unit === 'MiB' ? 2 ** 20 : unit === 'GiB' ? 2 ** 30 : 2 ** 40} bytes`,
                    textEdit: { range: this.wordRange(context), newText: unit }, sortText: order(i)
                }));
                return true;
            }
            case 'Link.speed': case 'Gpu.link': case 'Nic.link': case 'PcieSwitch.link': {
                [...PCIE_SPEEDS_GTS].reverse().forEach((speed, i) => acceptor(context, {
                    label: `${speed} GT/s`, kind: CompletionItemKind.Value, detail: `PCIe Gen${PCIE_GENERATION[speed]} (per lane)`,
                    filterText: String(speed), textEdit: { range: this.wordRange(context), newText: `${speed} GT/s` }, sortText: order(i)
                }));
                return true;
            }
            case 'Link.width': {
                [...PCIE_WIDTHS].reverse().forEach((width, i) => acceptor(context, {
                    label: `x${width}`, kind: CompletionItemKind.Value, detail: `${width} lane${width > 1 ? 's' : ''}`,
                    textEdit: { range: this.wordRange(context), newText: `x${width}` }, sortText: order(i)
                }));
                return true;
            }
            case 'Bandwidth.value': case 'Nic.speed': {
                const nicNode = AstUtils.getContainerOfType(context.node, isNic);
                const nic = nicNode && this.modelOf<NicModel>(nicNode);
                const speeds = nic ? nic.spec.speedsGbps : [...new Set(NICS.flatMap(n => n.speedsGbps))].sort((a, b) => b - a);
                speeds.forEach((speed, i) => acceptor(context, {
                    label: `${speed} Gb/s`, kind: CompletionItemKind.Value, detail: nic ? `port speed of ${nic.spec.model}` : 'port speed (catalog NICs)',
                    filterText: String(speed), textEdit: { range: this.wordRange(context), newText: `${speed} Gb/s` }, sortText: order(i)
                }));
                return true;
            }
            default: return false;
        }
    }

    private catalogModels<T extends { readonly model: string; readonly aliases: readonly string[] }>(
        context: CompletionContext, specs: readonly T[], acceptor: CompletionAcceptor, detail: (spec: T) => string
    ): boolean {
        specs.forEach((spec, i) => acceptor(context, this.stringItem(context, spec.model, {
            kind: CompletionItemKind.Value, detail: detail(spec), sortText: order(i),
            documentation: 'kind' in spec && (spec.kind === 'gpu' || spec.kind === 'nic' || spec.kind === 'nvswitch')
                ? markdown(specFacts(spec as never).join('  \n'))
                : spec.aliases.length > 0 ? `Also written: ${spec.aliases.join(', ')}` : undefined
        })));
        return true;
    }

    /** The GPU models named in the clause at the cursor (a `vgpu` or `mig` clause), from the resolved model. */
    private clauseGpus(context: CompletionContext, isClause: (n: unknown) => n is AstNode): { clause?: AstNode; gpus: GpuModel[] } {
        const clause = context.node && AstUtils.getContainerOfType(context.node, isClause);
        const refs = (clause as { gpus?: Array<{ ref?: Gpu }> } | undefined)?.gpus ?? [];
        const gpus = refs.map(r => r.ref && this.modelOf<DeviceModel>(r.ref)).filter((g): g is GpuModel => g?.kind === 'gpu');
        return { clause, gpus };
    }

    /** vGPU types valid on every GPU of the clause, largest frame buffer first. */
    private vgpuTypes(context: CompletionContext, acceptor: CompletionAcceptor): boolean {
        const { gpus } = this.clauseGpus(context, isVgpuSlice);
        const specs = [...new Set(gpus.map(g => g.spec))];
        if (specs.length === 0) return false;
        // A GPU whose vGPU mode is written takes only that mode's types: MIG-backed ones in `mig`
        // mode, time-sliced ones in `equal-size` / `mixed-size` mode (vSphere HostGraphicsInfoVgpuMode).
        const modes = new Set(gpus.map(g => g.vgpuMode).filter(m => m !== undefined));
        const mixed = modes.has('mixed-size');
        const types = specs[0].vgpuTypes
            .filter(t => specs.every(s => s.vgpuTypes.some(u => u.name === t.name)))
            .filter(t => modes.size === 0 || (t.mode === 'mig-backed' ? modes.has('mig') && modes.size === 1 : !modes.has('mig')));
        const sorted = [...types].sort((a, b) => b.framebufferGB - a.framebufferGB || (a.mode === b.mode ? 0 : a.mode === 'time-sliced' ? -1 : 1));
        const othersOn = this.otherSlices(context, isVgpuSlice, gpus);
        sorted.forEach((type, i) => {
            const max = mixed && type.maxPerGpuMixed !== undefined ? `max ${type.maxPerGpuMixed} per GPU (mixed-size)` : `max ${type.maxPerGpu} per GPU`;
            const conflict = firstConflict(gpus, gpu => sliceConflict(gpu, othersOn(gpu), type.mode === 'mig-backed' ? 'mig' : 'time-sliced', type));
            const detail = `${type.framebufferGB} GB frame buffer · ${max} · ${type.mode === 'mig-backed' ? `MIG-backed (${type.migProfile})` : 'time-sliced'}`;
            acceptor(context, this.stringItem(context, type.name, {
                kind: CompletionItemKind.EnumMember,
                detail: conflict ? `✗ ${conflict.rule} · ${detail}` : detail,
                labelDetails: conflict ? { description: `✗ ${conflict.rule}` } : undefined,
                documentation: markdown([...conflictText(conflict), `${detail}`, '', ...vgpuTypeFacts(specs[0], type)].join('  \n')),
                sortText: order(i + (conflict ? 500 : 0))
            }));
        });
        return true;
    }

    /**
     * The uses of each GPU by the other clauses (every VM but the one at the cursor), as
     * {@link sliceConflict} reads them.
     */
    private otherSlices(context: CompletionContext, isClause: (n: unknown) => n is AstNode, gpus: readonly GpuModel[]): (gpu: GpuModel) => DeviceUse[] {
        const clause = context.node && AstUtils.getContainerOfType(context.node, isClause);
        const vm = clause && AstUtils.getContainerOfType(clause, isVm);
        const topology = this.services.model.TopologyProvider.get().topology;
        const byGpu = new Map(gpus.map(gpu => [gpu, deviceUses(topology, gpu).filter(u => u.vm.name !== vm?.name)]));
        return gpu => byGpu.get(gpu) ?? [];
    }

    /** MIG profiles of the clause's GPU(s), largest first, with the start slots still free on each GPU. */
    private migProfiles(context: CompletionContext, acceptor: CompletionAcceptor): boolean {
        const { clause, gpus } = this.clauseGpus(context, isMigSlice);
        const specs = [...new Set(gpus.map(g => g.spec))];
        if (specs.length === 0) return false;
        const resolved = this.services.model.TopologyProvider.get();
        const othersOn = this.otherSlices(context, isMigSlice, gpus);
        const profiles = specs[0].migProfiles.filter(p => specs.every(s => s.migProfiles.some(q => q.name === p.name)));
        const sorted = [...profiles].sort((a, b) => b.computeSlices - a.computeSlices || b.memorySlices - a.memorySlices || a.name.localeCompare(b.name));
        sorted.forEach((profile, i) => {
            const free = gpus.map(gpu => {
                // Instances already on this GPU, except the clause being completed.
                const taken = deviceUses(resolved.topology, gpu)
                    .filter(u => u.migProfile && !u.vm.gpus.some(g => g.gpu === gpu && resolved.trace.get(g)?.node === clause))
                    .map(u => ({ profile: u.migProfile!, start: u.migStart }));
                const gpuProfile = gpu.spec.migProfiles.find(p => p.name === profile.name)!;
                return { gpu, slots: freeStartSlots(gpu.spec, gpuProfile, taken) };
            });
            const slots = free.map(f => gpus.length > 1 ? `${f.gpu.name}: ${f.slots.join(', ') || 'none'}` : f.slots.join(', ') || 'none').join('; ');
            const full = free.some(f => f.slots.length === 0);
            const conflict = firstConflict(gpus, gpu => sliceConflict(gpu, othersOn(gpu), 'mig'))
                ?? (full ? { rule: 'MIG004', why: `no start slot of ${profile.name} is free on ${free.filter(f => f.slots.length === 0).map(f => f.gpu.name).join(', ')}` } : undefined);
            const detail = `free start slots ${slots} (of ${profile.startSlots.join(', ')}) · ${profile.computeSlices} compute, ${profile.memorySlices} memory slices · max ${profile.maxPerGpu} per GPU`;
            acceptor(context, this.stringItem(context, profile.name, {
                kind: CompletionItemKind.EnumMember,
                detail: conflict ? `✗ ${conflict.rule} · ${detail}` : detail,
                labelDetails: conflict ? { description: `✗ ${conflict.rule}` } : undefined,
                documentation: markdown([...conflictText(conflict), detail, '', ...migProfileFacts(specs[0], profile)].join('  \n')),
                sortText: order(i + (conflict ? 500 : 0))
            }));
        });
        return true;
    }

    /** After `mig gpu6 "1g.18gb" start`: the profile's start slots still free on the GPU(s). */
    private migStarts(context: CompletionContext, acceptor: CompletionAcceptor): boolean {
        const { clause, gpus } = this.clauseGpus(context, isMigSlice);
        const name = clause && isMigSlice(clause) ? clause.profile : undefined;
        if (gpus.length === 0 || !name) return false;
        const resolved = this.services.model.TopologyProvider.get();
        let free: number[] | undefined;
        for (const gpu of gpus) {
            const profile = findMigProfile(gpu.spec, name);
            if (!profile) return false;
            const taken = deviceUses(resolved.topology, gpu)
                .filter(u => u.migProfile && !u.vm.gpus.some(g => g.gpu === gpu && resolved.trace.get(g)?.node === clause))
                .map(u => ({ profile: u.migProfile!, start: u.migStart }));
            const slots = freeStartSlots(gpu.spec, profile, taken);
            free = free ? free.filter(s => slots.includes(s)) : slots;
        }
        (free ?? []).forEach((slot, i) => acceptor(context, {
            label: String(slot), kind: CompletionItemKind.Value, detail: `free start slot of ${name}`,
            textEdit: { range: this.wordRange(context), newText: String(slot) }, sortText: order(i)
        }));
        return true;
    }

    /** An item that writes `value` as a quoted string, replacing the string being typed (with its quotes). */
    private stringItem(context: CompletionContext, value: string, item: Partial<CompletionItem>): CompletionValueItem {
        const newText = `"${value}"`;
        return { ...item, label: value, filterText: newText, textEdit: { range: this.stringRange(context), newText } };
    }

    /** Range of the string at the cursor (`"H2|"`, `"H2|`), else of the word being typed, else the cursor. */
    private stringRange(context: CompletionContext): Range {
        const text = context.textDocument.getText();
        const lineStart = text.lastIndexOf('\n', context.offset - 1) + 1;
        const before = text.slice(lineStart, context.offset);
        const quotes = (before.match(/"/g) ?? []).length;
        if (quotes % 2 === 1) {
            const start = lineStart + before.lastIndexOf('"');
            const after = /^[^"\n\r]*"?/.exec(text.slice(context.offset))![0];
            return this.range(context, start, context.offset + after.length);
        }
        return this.wordRange(context);
    }

    private wordRange(context: CompletionContext): Range {
        const text = context.textDocument.getText();
        const word = /[\w.-]*$/.exec(text.slice(Math.max(0, context.offset - 256), context.offset))![0];
        return this.range(context, context.offset - word.length, context.offset);
    }

    private range(context: CompletionContext, start: number, end: number): Range {
        return { start: context.textDocument.positionAt(start), end: context.textDocument.positionAt(end) };
    }

    /**
     * Device references in a VM: `free`, held by this VM already, or held by other VMs (who and how);
     * a device this clause would take against a rule (passthrough of a device another VM holds:
     * GEN001; a GPU both passed through and sliced: GEN002) is marked with the rule id and ranked
     * last. Order: free, shared without error, already in this VM, would raise an error. The full
     * facts (model, place, every holder) are in the item's documentation; detail and label stay short.
     */
    protected override createReferenceCompletionItem(nodeDescription: AstNodeDescription, refInfo: ReferenceInfo, context: CompletionContext): CompletionValueItem {
        const item = super.createReferenceCompletionItem(nodeDescription, refInfo, context);
        const vm: Vm | undefined = AstUtils.getContainerOfType(refInfo.container, isVm);
        const node = nodeDescription.node;
        if (!vm || !node || refInfo.property === 'host') return item;
        return this.log(() => {
            const device = this.modelOf<DeviceModel>(node);
            if (!device) return item;
            const uses = deviceUses(this.services.model.TopologyProvider.get().topology, device);
            const others = uses.filter(u => u.vm.name !== vm.name);
            const mine = uses.filter(u => u.vm.name === vm.name);
            const conflict = referenceConflict(refInfo.container, device, others);
            const facts = 'spec' in device ? `${device.spec.model} · NUMA ${device.numa}${device.parentSwitch ? ` · ${device.parentSwitch.name}` : ''}` : '';
            const state = conflict ? `✗ ${conflict.rule}: held by ${describeUses(others)}`
                : others.length > 0 ? `shared with ${describeUses(others)}`
                    : mine.length > 0 ? `already in ${vm.name} (${[...new Set(mine.map(u => u.how))].join(', ')})`
                        : 'free';
            const rank = conflict ? 3 : mine.length > 0 ? 2 : others.length > 0 ? 1 : 0;
            const holders = uses.length === 0 ? ['Held by no VM.'] : ['Held by:', ...uses.map(u => `- \`${u.vm.name}\`${u.vm.name === vm.name ? ' (this VM)' : ''}: ${u.how}`)];
            const place = `\`${device.name}\` at \`${formatBdf(device.address)}\`, NUMA node ${device.numa}${device.parentSwitch ? `, behind PCIe switch \`${device.parentSwitch.name}\`` : ''}`;
            return {
                ...item,
                detail: `${state}${facts ? ` · ${facts}` : ''}`,
                labelDetails: { detail: facts ? ` ${facts}` : undefined, description: conflict ? `✗ ${conflict.rule}` : rank === 0 ? 'free' : rank === 2 ? 'in this VM' : `● ${describeUses(others)}` },
                documentation: markdown([...conflictText(conflict), place, ...holders, '', ...('spec' in device ? specFacts(device.spec) : [])].join('  \n')),
                sortText: `${rank}${nodeDescription.name}`
            };
        }, item);
    }
}

/** A rule a completion choice would break, and why (one sentence). */
interface Conflict {
    rule: string;
    why: string;
}

/** The first conflict over `gpus`, or undefined. */
function firstConflict(gpus: readonly GpuModel[], conflictOf: (gpu: GpuModel) => Conflict | undefined): Conflict | undefined {
    for (const gpu of gpus) {
        const conflict = conflictOf(gpu);
        if (conflict) return conflict;
    }
    return undefined;
}

/** The documentation lines that say which rule a choice would raise (none without a conflict). */
function conflictText(conflict: Conflict | undefined): string[] {
    return conflict ? [`**Would raise ${conflict.rule}** (error): ${conflict.why}.`, ''] : [];
}

/**
 * What a new slice on `gpu` would break given the other VMs' uses of it: the GPU passed through
 * (GEN002); slices of the other sharing mode — a time-sliced vGPU beside a MIG slice or MIG-backed
 * vGPU, or the reverse (GEN003); in equal-size mode (no `vgpu-mode mixed-size`), a time-sliced type
 * of another frame buffer than those already there (VGPU003) [docs/rules.md].
 */
export function sliceConflict(gpu: GpuModel, others: readonly DeviceUse[], mode: 'time-sliced' | 'mig', type?: VgpuType): Conflict | undefined {
    const passthrough = others.filter(u => u.how === 'passthrough');
    if (passthrough.length > 0) return { rule: 'GEN002', why: `${gpu.name} is passed through to ${names(passthrough)}` };
    const mig = others.filter(u => u.migProfile);
    const timeSliced = others.filter(u => !u.migProfile && u.how.startsWith('vGPU '));
    if (mode === 'time-sliced' && mig.length > 0) {
        return { rule: 'GEN003', why: `${gpu.name} already carries MIG-backed slices (${describeUses(mig)}); a GPU runs time-sliced or MIG-backed vGPUs, not both` };
    }
    if (mode === 'mig' && timeSliced.length > 0) {
        return { rule: 'GEN003', why: `${gpu.name} already carries time-sliced vGPUs (${describeUses(timeSliced)}); a GPU runs time-sliced or MIG-backed vGPUs, not both` };
    }
    if (mode === 'time-sliced' && type && gpu.vgpuMode !== 'mixed-size') {
        const sizes = timeSliced.map(u => gpu.spec.vgpuTypes.find(t => t.name === u.how.slice('vGPU '.length))).filter((t): t is VgpuType => t !== undefined);
        const other = sizes.find(t => t.framebufferGB !== type.framebufferGB);
        if (other) return { rule: 'VGPU003', why: `${gpu.name} is in equal-size mode and already has ${other.name} (${other.framebufferGB} GB); ${type.name} has ${type.framebufferGB} GB` };
    }
    return undefined;
}

/**
 * What referencing `device` in `clause` (a VM's `gpu … passthrough`, `vgpu`, `mig`, `nic`,
 * `nvswitch` clause) would break, given the other VMs' uses: a GPU, NIC or NVSwitch another VM has
 * by passthrough, in any clause (GEN001 for passthrough, GEN002 for a slice); a GPU others slice,
 * passed through here (GEN002).
 */
function referenceConflict(clause: AstNode, device: DeviceModel, others: readonly DeviceUse[]): Conflict | undefined {
    const passthrough = others.filter(u => u.how === 'passthrough');
    const slices = others.filter(u => u.how !== 'passthrough');
    if (device.kind === 'gpu' && (isVgpuSlice(clause) || isMigSlice(clause))) {
        return passthrough.length > 0 ? { rule: 'GEN002', why: `${device.name} is passed through to ${names(passthrough)}; a passed-through GPU hosts no slices` } : undefined;
    }
    if (passthrough.length > 0) return { rule: 'GEN001', why: `${device.name} is passed through to ${names(passthrough)}; a device has one owner` };
    if (device.kind === 'gpu' && slices.length > 0) {
        return { rule: 'GEN002', why: `${device.name} carries slices of ${names(slices)}; passing it through would take them away` };
    }
    return undefined;
}

/** `a, b`: the VMs of `uses`, once each. */
function names(uses: readonly DeviceUse[]): string {
    return [...new Set(uses.map(u => u.vm.name))].join(', ');
}

function markdown(value: string): MarkupContent {
    return { kind: 'markdown', value };
}
