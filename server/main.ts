/**
 * The vmtopo language server (Node). VS Code starts it over IPC; tests and other editors can start
 * it with `--stdio`. Transport selection is done by vscode-languageserver from the command line.
 *
 * `createVmtopoServices` registers the features' server side (language/src/features/feature.ts):
 * the `vmtopo.export` command, the `vmtopo/topology` request (its layouts in a worker thread beside
 * this bundle) and the `vmtopo/importHost` request.
 */
import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';
import * as path from 'node:path';

const connection = createConnection(ProposedFeatures.all);
const { shared } = createVmtopoServices({ connection, ...NodeFileSystem }, {
    features: { diagramWorkerFile: path.join(__dirname, 'diagram-worker.cjs') }
});
startLanguageServer(shared);
