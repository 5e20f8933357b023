/**
 * The import feature's server side: the `vmtopo/importHost` request ({@link IMPORT_HOST_REQUEST}) of
 * "vmtopo: Import Host…". Its code (`server.ts`, the importers) is loaded on the first request.
 */
import { IMPORT_HOST_REQUEST, type ImportHostParams } from '../../protocol.js';
import type { Feature } from '../feature.js';

export const importFeature: Feature = {
    name: 'import',
    requests: () => ({
        [IMPORT_HOST_REQUEST]: async (params: ImportHostParams) => (await import('./server.js')).answerImportHost(params)
    })
};
