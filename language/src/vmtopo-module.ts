/**
 * Dependency injection for the vmtopo language. `createVmtopoServices` is the one entry used by the
 * language server, the CLI and the tests (as in Langium's own examples).
 */
import { inject, EmptyFileSystem, type DeepPartial, type Module } from 'langium';
import {
    createDefaultModule, createDefaultSharedModule,
    type DefaultSharedModuleContext, type LangiumServices, type LangiumSharedServices, type PartialLangiumServices
} from 'langium/lsp';
import { VmtopoGeneratedModule, VmtopoGeneratedSharedModule } from './generated/module.js';
import { VmtopoScopeProvider } from './scope.js';
import { TopologyProvider } from './model/topology-provider.js';
import { VmtopoValidator, registerValidationChecks } from './validation/vmtopo-validator.js';
import { VmtopoCodeActionProvider } from './lsp/code-actions.js';
import { VmtopoExecuteCommandHandler } from './lsp/execute-command.js';
import { VmtopoHoverProvider } from './lsp/hover.js';

export type VmtopoAddedServices = {
    model: {
        TopologyProvider: TopologyProvider;
    };
    validation: {
        VmtopoValidator: VmtopoValidator;
    };
};

export type VmtopoServices = LangiumServices & VmtopoAddedServices;

export const VmtopoModule: Module<VmtopoServices, PartialLangiumServices & VmtopoAddedServices> = {
    references: {
        ScopeProvider: (services) => new VmtopoScopeProvider(services)
    },
    model: {
        TopologyProvider: (services) => new TopologyProvider(services)
    },
    validation: {
        VmtopoValidator: (services) => new VmtopoValidator(services)
    },
    lsp: {
        CodeActionProvider: (services) => new VmtopoCodeActionProvider(services),
        HoverProvider: (services) => new VmtopoHoverProvider(services)
    }
};

/** Shared (language-independent) services: the `workspace/executeCommand` handler (`vmtopo.export`). */
export const VmtopoSharedModule: Module<LangiumSharedServices, DeepPartial<LangiumSharedServices>> = {
    lsp: {
        ExecuteCommandHandler: (shared) => new VmtopoExecuteCommandHandler(shared)
    }
};

/**
 * Creates the shared and the vmtopo services. Pass `{ connection, ...NodeFileSystem }` in the
 * language server, `NodeFileSystem` in the CLI, and nothing (or `EmptyFileSystem`) in tests.
 */
export function createVmtopoServices(context: DefaultSharedModuleContext = EmptyFileSystem): {
    shared: LangiumSharedServices;
    vmtopo: VmtopoServices;
} {
    const shared = inject(createDefaultSharedModule(context), VmtopoGeneratedSharedModule, VmtopoSharedModule);
    const vmtopo = inject(createDefaultModule({ shared }), VmtopoGeneratedModule, VmtopoModule);
    shared.ServiceRegistry.register(vmtopo);
    registerValidationChecks(vmtopo);
    if (!context.connection) {
        // Not running inside a language server: nothing will send the configuration.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, vmtopo };
}
