/**
 * The `svg` export: one host's topology diagram (sockets, PCIe switches, GPUs, NICs, NVSwitches, the
 * VMs' slices and the diagnostics on the nodes they concern) as a standalone SVG file — the SVG the
 * editor's topology view shows and `vmtopo graph --host` prints, made by the same
 * {@link renderDiagram} (features/diagram).
 */
import { documentDiagnostics, renderDiagram, sourceInfo, type DiagramDiagnostic, type SourceInfo } from '../diagram/index.js';
import { ExportError } from '../../model/export-error.js';
import type { HostModel } from '../../model/topology.js';
import type { HostExportContext } from './writer.js';

/** The sources and diagnostics of a context, made once for all of its hosts. */
const prepared = new WeakMap<HostExportContext, { sources: SourceInfo; diagnostics: readonly DiagramDiagnostic[] }>();

/**
 * The SVG of `host`, laid out by the context's engine (the language server's layout worker; elkjs in
 * this thread without one). Throws {@link ExportError} when the diagram cannot be drawn (the host is
 * not in the context's topology), and the engine's error when the layout fails or runs past its time
 * budget.
 */
export async function exportTopologySvg(host: HostModel, context: HostExportContext): Promise<string> {
    let drawing = prepared.get(context);
    if (!drawing) {
        drawing = { sources: sourceInfo(context.resolved, context.documentation), diagnostics: documentDiagnostics(context.documents) };
        prepared.set(context, drawing);
    }
    const result = await renderDiagram(context.resolved.topology, drawing.sources, drawing.diagnostics, { host: host.name, engine: context.engine });
    if (result.message !== undefined || result.svg === '') {
        throw new ExportError(`no diagram of host ${host.name}: ${result.message ?? 'nothing to draw'}`);
    }
    return result.svg;
}
