/**
 * The export feature, as a library: the format registry (`formats.ts`), `exportFiles` (load, check,
 * write one file per VM or host), and the writers themselves. The CLI and the language server do not
 * import this file: they reach the writers through the registry, which loads a writer only when a
 * file of its format is written. This file loads every writer at once.
 */
import type { VmModel } from '../../model/topology.js';
import { planGuestAddresses } from '../../model/guest-plan.js';
import type { VmWriter } from './writer.js';
import { exportLibvirtDomain } from './libvirt.js';
import { exportNcclTopology } from './nccl.js';
import { exportKubevirt } from './kubevirt.js';
import { exportCloudHypervisorCli, exportCloudHypervisorJson } from './cloud-hypervisor.js';
import { exportProxmoxConfig } from './proxmox.js';
import { exportVmx } from './vmx.js';

export { exportFiles, type ExportRequest } from './export-files.js';
export {
    EXPORT_FORMATS, exportFileName, exportNameLimit, formatById, formatIds,
    type ExportConsumer, type ExportFormatRecord, type ExportScope, type HostFormat, type VmFormat
} from './formats.js';
export type { HostExportContext, HostWriter, VmWriter } from './writer.js';
export type { ExportFormat, ExportResult } from '../../protocol.js';
export { ExportError } from '../../model/export-error.js';
export { exportLibvirtDomain } from './libvirt.js';
export { exportNcclTopology } from './nccl.js';
export { exportTopologySvg } from './topology-svg.js';
export { exportKubevirt } from './kubevirt.js';
export { cloudHypervisorArgs, cloudHypervisorConfig, cloudHypervisorLimits, exportCloudHypervisorCli, exportCloudHypervisorJson } from './cloud-hypervisor.js';
export { exportProxmoxConfig, proxmoxEntries, proxmoxLimits } from './proxmox.js';
export { exportVmx, VMX_KEYS, vmxEntries, vmxKey, vmxLimits, vmxValueFits } from './vmx.js';

/** The per-VM writers that {@link exportVm} runs synchronously. */
const VM_WRITERS = {
    libvirt: exportLibvirtDomain,
    nccl: exportNcclTopology,
    kubevirt: exportKubevirt,
    'cloud-hypervisor': exportCloudHypervisorJson,
    'cloud-hypervisor-cli': exportCloudHypervisorCli,
    proxmox: exportProxmoxConfig,
    vmx: exportVmx
} as const satisfies Readonly<Record<string, VmWriter>>;

/**
 * Pure and synchronous: the text of one VM's file of a per-VM format (its guest address
 * plan computed inside). Throws `ExportError` when the VM cannot be exported as asked. Any format of
 * the registry, by its loaded writer: `(await formatById(id).writer())(vm, planGuestAddresses(vm))`.
 */
export function exportVm(vm: VmModel, format: keyof typeof VM_WRITERS): string {
    return VM_WRITERS[format](vm, planGuestAddresses(vm));
}
