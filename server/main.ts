/**
 * The vmtopo language server (Node). VS Code starts it over IPC; tests and other editors can start
 * it with `--stdio`. Transport selection is done by vscode-languageserver from the command line.
 */
import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';

const connection = createConnection(ProposedFeatures.all);
const { shared } = createVmtopoServices({ connection, ...NodeFileSystem });
startLanguageServer(shared);
