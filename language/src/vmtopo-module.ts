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
import { VmtopoScopeComputation, VmtopoScopeProvider } from './langium/scope.js';
import { VmtopoLinker } from './langium/linker.js';
import { TopologyProvider } from './model/topology-provider.js';
import { VmtopoValidator, registerValidationChecks } from './rules/engine/validator.js';
import { VmtopoCodeActionProvider } from './editor/code-actions.js';
import { VmtopoExecuteCommandHandler } from './features/export/command.js';
import { VmtopoHoverProvider } from './editor/hover.js';
import { VmtopoCompletionProvider } from './editor/completion.js';
import { VmtopoFormatter } from './editor/formatter.js';
import { VmtopoDocumentSymbolProvider, VmtopoNodeKindProvider } from './editor/node-kind.js';
import { VmtopoSemanticTokenProvider } from './editor/semantic-tokens.js';
import { VmtopoCodeLensProvider } from './editor/code-lens.js';
import { VmtopoLangiumDocuments } from './langium/documents.js';
import { VmtopoDocumentFactory } from './langium/document-factory.js';
import { VmtopoWorkspaceManager } from './langium/workspace-manager.js';
import { VmtopoDocumentBuilder } from './langium/document-builder.js';
import { VmtopoIndexManager, VmtopoReferenceDescriptionProvider } from './langium/index-manager.js';
import { VmtopoAstNodeDescriptionProvider } from './langium/ast-descriptions.js';
import { InternalErrors } from './kernel/internal-errors.js';
import { VmtopoLexer, createVmtopoParser } from './langium/parser.js';
import { VmtopoValueConverter } from './langium/value-converter.js';
import { VmtopoValidationRegistry } from './langium/validation-registry.js';
import { TopologyRuleRunner } from './rules/engine/runner.js';
import { VmtopoDocumentValidator } from './langium/document-validator.js';
import { RuleControl } from './rules/engine/control.js';
import { VmtopoConfigurationProvider } from './langium/configuration-provider.js';

export type VmtopoAddedServices = {
    log: {
        /** Where caught internal failures (rules, checks, hover, code actions, parser) are reported. */
        InternalErrors: InternalErrors;
    };
    model: {
        TopologyProvider: TopologyProvider;
    };
    validation: {
        VmtopoValidator: VmtopoValidator;
        /** Runs the topology checks once per workspace build; each document takes its share. */
        TopologyRuleRunner: TopologyRuleRunner;
        /** Severity overrides (`vmtopo.rules`, `--rule`) and suppression comments, applied by the DocumentValidator. */
        RuleControl: RuleControl;
    };
};

export type VmtopoServices = LangiumServices & VmtopoAddedServices;

export const VmtopoModule: Module<VmtopoServices, PartialLangiumServices & VmtopoAddedServices> = {
    log: {
        InternalErrors: () => new InternalErrors()
    },
    parser: {
        Lexer: (services) => new VmtopoLexer(services),
        LangiumParser: (services) => createVmtopoParser(services, services.log.InternalErrors),
        ValueConverter: () => new VmtopoValueConverter()
    },
    references: {
        ScopeProvider: (services) => new VmtopoScopeProvider(services),
        ScopeComputation: (services) => new VmtopoScopeComputation(services),
        Linker: (services) => new VmtopoLinker(services)
    },
    model: {
        TopologyProvider: (services) => new TopologyProvider(services)
    },
    validation: {
        ValidationRegistry: (services) => new VmtopoValidationRegistry(services, services.log.InternalErrors),
        VmtopoValidator: (services) => new VmtopoValidator(services),
        TopologyRuleRunner: (services) => new TopologyRuleRunner(services),
        DocumentValidator: (services) => new VmtopoDocumentValidator(services),
        RuleControl: (services) => new RuleControl(services)
    },
    workspace: {
        // Reference descriptions made when find-references needs them, not on every build (index-manager.ts).
        ReferenceDescriptionProvider: (services) => new VmtopoReferenceDescriptionProvider(services),
        // Descriptions of named nodes with their path and text segment made when read (ast-descriptions.ts).
        AstNodeDescriptionProvider: (services) => new VmtopoAstNodeDescriptionProvider(services)
    },
    lsp: {
        // Quick-fixes are verified in a scratch workspace built by fresh services of the same language.
        CodeActionProvider: (services) => new VmtopoCodeActionProvider(services, () => createVmtopoServices().shared),
        HoverProvider: (services) => new VmtopoHoverProvider(services),
        // Editor features (issue 9): language/src/editor/{completion,formatter,node-kind,semantic-tokens,code-lens}.ts
        CompletionProvider: (services) => new VmtopoCompletionProvider(services),
        Formatter: (services) => new VmtopoFormatter(services),
        DocumentSymbolProvider: (services) => new VmtopoDocumentSymbolProvider(services),
        SemanticTokenProvider: (services) => new VmtopoSemanticTokenProvider(services),
        CodeLensProvider: (services) => new VmtopoCodeLensProvider(services)
    }
};

/** Shared (language-independent) services: the `workspace/executeCommand` handler (`vmtopo.export`). */
export const VmtopoSharedModule: Module<LangiumSharedServices, DeepPartial<LangiumSharedServices>> = {
    lsp: {
        ExecuteCommandHandler: (shared) => new VmtopoExecuteCommandHandler(shared),
        NodeKindProvider: () => new VmtopoNodeKindProvider()
    },
    workspace: {
        LangiumDocuments: (shared) => new VmtopoLangiumDocuments(shared),
        // An edit inside one block re-parses that block only (langium/incremental.ts).
        LangiumDocumentFactory: (shared) => new VmtopoDocumentFactory(shared),
        WorkspaceManager: (shared) => new VmtopoWorkspaceManager(shared),
        // Asks for the `vmtopo` settings again when a change notification does not carry them.
        ConfigurationProvider: (shared) => new VmtopoConfigurationProvider(shared),
        DocumentBuilder: (shared) => new VmtopoDocumentBuilder(shared),
        // The reference index, made when it is read instead of on every build (index-manager.ts).
        IndexManager: (shared) => new VmtopoIndexManager(shared)
    }
};

/** Options of {@link createVmtopoServices}. */
export interface VmtopoOptions {
    /** Receives one line per distinct internal failure (default: `console.error`, the server's log). */
    log?: (line: string) => void;
}

/**
 * Creates the shared and the vmtopo services. Pass `{ connection, ...NodeFileSystem }` in the
 * language server, `NodeFileSystem` in the CLI, and nothing (or `EmptyFileSystem`) in tests.
 */
export function createVmtopoServices(context: DefaultSharedModuleContext = EmptyFileSystem, options: VmtopoOptions = {}): {
    shared: LangiumSharedServices;
    vmtopo: VmtopoServices;
} {
    const shared = inject(createDefaultSharedModule(context), VmtopoGeneratedSharedModule, VmtopoSharedModule);
    const logModule: Module<VmtopoServices, DeepPartial<VmtopoServices>> = options.log
        ? { log: { InternalErrors: () => new InternalErrors(options.log) } }
        : {};
    const vmtopo = inject(createDefaultModule({ shared }), VmtopoGeneratedModule, VmtopoModule, logModule);
    shared.ServiceRegistry.register(vmtopo);
    registerValidationChecks(vmtopo);
    if (!context.connection) {
        // Not running inside a language server: nothing will send the configuration.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, vmtopo };
}
