/**
 * The export feature: the writers (libvirt domain XML, NCCL topology XML), `exportFiles` (load,
 * check, write one file per VM) and the `vmtopo.export` command of the language server.
 */
export { exportFiles, exportFileName, exportVm, type ExportRequest } from './export-files.js';
export type { ExportFormat, ExportResult } from '../../protocol.js';
export { ExportError } from '../../model/export-error.js';
export { exportLibvirtDomain } from './libvirt.js';
export { exportNcclTopology } from './nccl.js';
