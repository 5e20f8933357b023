/**
 * The language server's side of "vmtopo: Import Host…": answers the `vmtopo/importHost` request
 * (registered by the import feature, `feature.ts`) with the pure importer's result. An input the
 * importer cannot use is an answer (`ok: false` with its one-line reason), never a failed request.
 */
import type { ImportHostParams, ImportHostResult } from '../../protocol.js';
import { ImportError, importHost } from './index.js';

/** Runs one import request (pure: files in, text out). */
export function answerImportHost(params: ImportHostParams): ImportHostResult {
    try {
        const result = importHost(params.files ?? [], { format: params.format, name: params.name });
        const c = result.counts;
        return {
            ok: true, text: result.text, format: result.format,
            summary: `${result.hosts.length > 1 ? `hosts ${result.hosts.map(h => h.name).join(', ')}` : `host ${result.host.name}`} from ${result.format}: ${c.gpus} GPUs, ${c.nics} NICs, ${c.nvswitches} NVSwitches, ${c.switches} PCIe switches, ${c.numaNodes} NUMA nodes`
        };
    } catch (err) {
        if (err instanceof ImportError) return { ok: false, message: err.message };
        throw err;
    }
}
