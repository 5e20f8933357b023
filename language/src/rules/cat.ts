/**
 * CAT — catalog names (node checks).
 *
 * - CAT001 (error): a GPU, NIC, NVSwitch or CPU model that the hardware catalog does not know; the
 *   message lists the known ones [VMTOPO-CATALOG]. A model written as a PCI id (`"10de:3182"`, what
 *   `vmtopo import` writes for hardware the catalog lacks) or as `"unknown"` (the import's source
 *   did not identify the device) is reported as a warning naming the id: the device is real and
 *   placed, only its catalog facts are missing. Aliases (the names nvidia-smi, NVML and hwloc
 *   print) and known PCI ids resolve to the catalog model and are not reported.
 */
import { findCpu, findGpu, findNic, findNvSwitch, knownModels, parsePciIdModel, type CatalogKind } from '../catalog/index.js';
import type { AstNode } from 'langium';
import { shortText } from '../kernel/text.js';
import type { NodeReport, RuleFamily, RuleInfo } from './engine/rule.js';

export const CAT001: RuleInfo = {
    id: 'CAT001', severity: 'error', summary: 'unknown GPU, NIC, NVSwitch or CPU model (the message lists the known ones); a warning when the model is a PCI id or "unknown"',
    why: 'Every rule and export reads the model\'s facts (memory, MMIO need, MIG profiles, vGPU types, PCI class) from the catalog; an unknown model leaves the device out of every check.',
    fix: 'Use a catalog model name, one of its aliases or its PCI id (hover a model or see the message for the list).', quickFix: false, sources: ['VMTOPO-CATALOG', 'PCI-IDS']
};

const KIND_LABEL: Record<CatalogKind, string> = { gpu: 'GPU', nic: 'NIC', nvswitch: 'NVSwitch', cpu: 'CPU' };

/** What identifies the device when the model is not a catalog name: the command that gives the model. */
const IDENTIFY: Record<CatalogKind, string> = {
    gpu: '`lspci -nn -d 10de:` or `nvidia-smi --query-gpu=index,pci.bus_id,name --format=csv`',
    nic: '`lspci -nn -s <address>`',
    nvswitch: '`lspci -nn -d 10de:`',
    cpu: '`lscpu`'
};

/** CAT001 when `model` is written and not found by `find`: a warning for a PCI id or `"unknown"`, else an error. */
function checkModel(report: (r: NodeReport) => void, node: AstNode, property: string, model: string | undefined,
    kind: CatalogKind, find: (m: string) => unknown): void {
    if (model === undefined || find(model)) return;
    const id = parsePciIdModel(model);
    const known = `Known: ${knownModels(kind).join(', ')}.`;
    if (id && kind !== 'cpu') {
        const text = `${id.vendor}:${id.device}${id.subsystem ? ` (subsystem ${id.subsystem})` : ''}`;
        report({
            rule: CAT001, severity: 'warning', node, property,
            message: `${KIND_LABEL[kind]} with PCI id ${text} is not in the catalog: its checks that need catalog facts are skipped until it is added (https://pci-ids.ucw.cz/read/PC/${id.vendor}/${id.device} names it). ${known}`
        });
        return;
    }
    if (model.trim().toLowerCase() === 'unknown') {
        report({
            rule: CAT001, severity: 'warning', node, property,
            message: `${KIND_LABEL[kind]} model not known (the imported source does not identify it): write its catalog model or PCI id, from ${IDENTIFY[kind]}. ${known}`
        });
        return;
    }
    report({ rule: CAT001, node, property, message: `Unknown ${KIND_LABEL[kind]} model "${shortText(model, 60)}". ${known}` });
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
