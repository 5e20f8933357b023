/**
 * The export feature's server side: the `vmtopo.export` command ({@link EXPORT_COMMAND}), which the
 * editor's export commands — one per format of the registry — send. Its code (`command.ts`, the
 * writers) is loaded on the first export.
 */
import { EXPORT_COMMAND } from '../../protocol.js';
import type { Feature } from '../feature.js';

export const exportFeature: Feature = {
    name: 'export',
    commands: context => ({
        [EXPORT_COMMAND]: async (args: unknown[]) => (await import('./command.js')).runExportCommand(context, args[0])
    })
};
