/**
 * Hover on catalog strings: a GPU, NIC or NVSwitch model (`gpu g0 "H200 SXM5 141GB"`), a host CPU
 * model, a vGPU type (`vgpu gpu6 "H200X-1-18C"`) and a MIG profile (`mig gpu6 "1g.18gb"`) show the
 * catalog's facts about them with links to their sources. vGPU types and MIG profiles are looked up
 * on the model of the GPU(s) the clause names (from the resolved topology); a name the catalog does
 * not know gets the valid names instead.
 */
import { AstUtils, CstUtils, GrammarAST, type AstNode, type LangiumDocument } from 'langium';
import { CPUS, GPUS, NICS, NVSWITCHES, findCpu, findGpu, findMigProfile, findNic, findNvSwitch, findVgpuType, type GpuSpec } from '../catalog/index.js';
import type { DeviceModel } from '../model/topology.js';
import type { VmtopoCoreServices } from '../langium/services.js';
import { migProfileFacts, sourceLinks, specFacts, vgpuTypeFacts } from '../catalog/facts.js';

/** Markdown for the catalog string at `offset`, or undefined when there is none there. */
export function catalogStringHover(services: VmtopoCoreServices, document: LangiumDocument, offset: number): string | undefined {
    const root = document.parseResult.value.$cstNode;
    const leaf = root && CstUtils.findLeafNodeAtOffset(root, offset);
    if (!leaf || !/^["']/.test(leaf.text)) return undefined;
    const assignment = AstUtils.getContainerOfType(leaf.grammarSource, GrammarAST.isAssignment);
    const rule = assignment && AstUtils.getContainerOfType(assignment, GrammarAST.isParserRule)?.name;
    if (!assignment || !rule) return undefined;
    const value = leaf.text.slice(1, -1);
    const node = leaf.astNode;
    const modelOf = (n: AstNode): DeviceModel | undefined => services.model.TopologyProvider.get().modelOf.get(n) as DeviceModel | undefined;
    switch (`${rule}.${assignment.feature}`) {
        case 'Gpu.model': case 'Nic.model': case 'NvSwitch.model': {
            const device = modelOf(node);
            const spec = device && 'spec' in device ? device.spec
                : rule === 'Gpu' ? findGpu(value) : rule === 'Nic' ? findNic(value) : findNvSwitch(value);
            if (!spec) {
                const known = (rule === 'Gpu' ? GPUS : rule === 'Nic' ? NICS : NVSWITCHES).map(s => `\`${s.model}\``).join(', ');
                return `Unknown ${rule === 'NvSwitch' ? 'NVSwitch' : rule.toUpperCase()} model \`${value}\`. The catalog knows: ${known}.`;
            }
            // An alias or a PCI id resolves to the catalog model: say which, first.
            const written = value.trim().replace(/\s+/g, ' ').toLowerCase() === spec.model.toLowerCase() ? [] : [`\`${value}\` is the catalog model **${spec.model}**`];
            return [...written, ...specFacts(spec), ...(spec.aliases.length > 0 ? [`Also written: ${spec.aliases.map(a => `\`${a}\``).join(', ')}`] : [])].join('  \n');
        }
        case 'Host.cpuModel': {
            const cpu = findCpu(value);
            if (!cpu) return `Unknown CPU model \`${value}\`. The catalog knows: ${CPUS.map(c => `\`${c.model}\``).join(', ')}.`;
            return [
                `**${cpu.model}** (CPU) — ${cpu.vendor}, ${cpu.arch}`,
                `NCCL \`<cpu>\`: familyid ${cpu.familyId}, modelid ${cpu.modelId}`,
                `Sources: ${sourceLinks(cpu.sources)}`
            ].join('  \n');
        }
        case 'VgpuSlice.vgpuType': case 'MigSlice.profile': {
            const refs = (node as unknown as { gpus?: Array<{ ref?: AstNode }> }).gpus ?? [];
            const specs = [...new Set(refs.map(r => r.ref && modelOf(r.ref)).filter(d => d?.kind === 'gpu').map(d => (d as { spec: GpuSpec }).spec))];
            if (specs.length === 0) return undefined;
            const parts = specs.map(spec => rule === 'VgpuSlice' ? vgpuHover(spec, value) : migHover(spec, value));
            return parts.join('\n\n---\n\n');
        }
        default:
            return undefined;
    }
}

function vgpuHover(spec: GpuSpec, name: string): string {
    const type = findVgpuType(spec, name);
    if (!type) return `\`${name}\` is not a vGPU for Compute type of ${spec.model}. Its types: ${spec.vgpuTypes.map(t => `\`${t.name}\``).join(', ') || 'none'}.`;
    return [...vgpuTypeFacts(spec, type), `Sources: ${sourceLinks(spec.sources.filter(k => /^(VGPU|NVAIE)/.test(k)))}`].join('  \n');
}

function migHover(spec: GpuSpec, name: string): string {
    const profile = findMigProfile(spec, name);
    if (!profile) return `\`${name}\` is not a MIG profile of ${spec.model}. Its profiles: ${spec.migProfiles.map(p => `\`${p.name}\``).join(', ') || 'none (no MIG)'}.`;
    return [...migProfileFacts(spec, profile), `Sources: ${sourceLinks(spec.sources.filter(k => /^(MIG|VGPU)/.test(k)))}`].join('  \n');
}
