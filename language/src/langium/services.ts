/**
 * The services that the layers above Langium's (rules, features, editor services) receive: Langium's
 * own, the internal-error log and the resolved model. `vmtopo-module.ts` adds the rule engine's
 * services and wires the implementations.
 */
import type { LangiumCoreServices } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { LogServices } from '../kernel/internal-errors.js';
import type { ModelServices } from '../model/topology-provider.js';

export type VmtopoCoreServices = LangiumCoreServices & LogServices & ModelServices;
/** What the editor services (language/src/editor) receive: the core services and Langium's LSP services. */
export type VmtopoEditorServices = VmtopoCoreServices & LangiumServices;
