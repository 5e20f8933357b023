/**
 * The export feature's server side: the `vmtopo.export` command ({@link EXPORT_COMMAND}), which the
 * editor's export commands — one per format of the registry — send. Its code (`command.ts`, the
 * writers) is loaded on the first export.
 */
import { EXPORT_COMMAND } from '../../protocol.js';
import type { Feature } from '../feature.js';
import type { LayoutEngine } from '../diagram/layout.js';

export const exportFeature: Feature = {
    name: 'export',
    commands: context => {
        // Diagrams (the `svg` format) are laid out as the topology view's are: in the server's layout
        // worker, with its time budget, made on the first export that draws.
        let engine: Promise<LayoutEngine> | undefined;
        const layoutEngine = () => engine ??= import('../diagram/server.js')
            .then(m => m.createLayoutEngine({ workerFile: context.options.diagramWorkerFile }));
        return {
            [EXPORT_COMMAND]: async (args: unknown[]) => (await import('./command.js')).runExportCommand(context, args[0], layoutEngine)
        };
    }
};
