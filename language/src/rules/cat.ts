/**
 * CAT — catalog names (node checks).
 *
 * - CAT001 (error): a GPU, NIC, NVSwitch or CPU model that the hardware catalog does not know; the
 *   message lists the known ones [VMTOPO-CATALOG].
 */
import { findCpu, findGpu, findNic, findNvSwitch, knownModels, type CatalogKind } from '../catalog/index.js';
import type { AstNode } from 'langium';
import { shortText } from '../kernel/text.js';
import type { NodeReport, RuleFamily, RuleInfo } from './engine/rule.js';

export const CAT001: RuleInfo = {
    id: 'CAT001', severity: 'error', summary: 'unknown GPU, NIC, NVSwitch or CPU model (the message lists the known ones)',
    why: 'Every rule and export reads the model\'s facts (memory, MMIO need, MIG profiles, vGPU types, PCI class) from the catalog; an unknown model leaves the device out of every check.',
    fix: 'Use a catalog model name (hover a model or see the message for the list).', quickFix: false, sources: ['VMTOPO-CATALOG']
};

const KIND_LABEL: Record<CatalogKind, string> = { gpu: 'GPU', nic: 'NIC', nvswitch: 'NVSwitch', cpu: 'CPU' };

/** CAT001 when `model` is written and not found by `find`. */
function checkModel(report: (r: NodeReport) => void, node: AstNode, property: string, model: string | undefined,
    kind: CatalogKind, find: (m: string) => unknown): void {
    if (model === undefined || find(model)) return;
    report({ rule: CAT001, node, property, message: `Unknown ${KIND_LABEL[kind]} model "${shortText(model, 60)}". Known: ${knownModels(kind).join(', ')}.` });
}

export const CAT: RuleFamily = {
    rules: [CAT001],
    nodeChecks: {
        Host: [(host, report) => checkModel(report, host, 'cpuModel', host.cpuModel, 'cpu', findCpu)],
        Gpu: [(gpu, report) => checkModel(report, gpu, 'model', gpu.model, 'gpu', findGpu)],
        Nic: [(nic, report) => checkModel(report, nic, 'model', nic.model, 'nic', findNic)],
        NvSwitch: [(sw, report) => checkModel(report, sw, 'model', sw.model, 'nvswitch', findNvSwitch)]
    }
};
