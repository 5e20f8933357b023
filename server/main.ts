/**
 * The vmtopo language server (Node). VS Code starts it over IPC; tests and other editors can start
 * it with `--stdio`. Transport selection is done by vscode-languageserver from the command line.
 */
import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';
import { registerTopologyRequest } from '../language/src/features/diagram/server.js';
import { registerImportRequest } from '../language/src/features/import/server.js';
import * as path from 'node:path';

const connection = createConnection(ProposedFeatures.all);
const { shared, vmtopo } = createVmtopoServices({ connection, ...NodeFileSystem });
startLanguageServer(shared);
// The topology view's `vmtopo/topology` request; layout in a worker thread beside this bundle.
registerTopologyRequest(connection, shared, vmtopo, { workerFile: path.join(__dirname, 'diagram-worker.cjs') });
// "vmtopo: Import Host…": the `vmtopo/importHost` request (language/src/features/import/server.ts).
registerImportRequest(connection);
