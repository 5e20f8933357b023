/**
 * The `svg` export: one host's topology diagram (sockets, PCIe switches, GPUs, NICs, NVSwitches, the
 * VMs' slices and the diagnostics on the nodes they concern) as a standalone SVG file — the SVG the
 * editor's topology view shows and `vmtopo graph --host` prints, made by the same
 * {@link renderDiagram} (features/diagram).
 */
import { documentDiagnostics, renderDiagram, sourceInfo } from '../diagram/index.js';
import { ExportError } from '../../model/export-error.js';
import type { HostModel } from '../../model/topology.js';
import type { HostExportContext } from './writer.js';

/**
 * The SVG of `host` (its layout made by elkjs in this thread). Throws {@link ExportError} when the
 * diagram cannot be drawn (the host is not in the context's topology).
 */
export async function exportTopologySvg(host: HostModel, context: HostExportContext): Promise<string> {
    const { resolved } = context;
    const result = await renderDiagram(resolved.topology, sourceInfo(resolved, context.documentation), documentDiagnostics(context.documents), {
        host: host.name
    });
    if (result.message !== undefined || result.svg === '') {
        throw new ExportError(`no diagram of host ${host.name}: ${result.message ?? 'nothing to draw'}`);
    }
    return result.svg;
}
