/**
 * Dependency injection for the vmtopo language. `createVmtopoServices` is the one entry used by the
 * language server and the tests (as in Langium's own examples); `createVmtopoCoreServices` wires the
 * same modules without the editor services (Langium's core modules), for the CLI, which then loads
 * neither Langium's LSP layer nor `vscode-languageserver`.
 */
import {
    inject, EmptyFileSystem, createDefaultCoreModule, createDefaultSharedCoreModule,
    type DeepPartial, type DefaultSharedCoreModuleContext, type LangiumCoreServices, type LangiumSharedCoreServices, type Module,
    type PartialLangiumCoreServices
} from 'langium';
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
import { FeatureCommandHandler, registerFeatures, type FeatureOptions } from './features/feature.js';
import { FEATURES } from './features/index.js';
import { exportNameLimit } from './features/export/formats.js';
import type { NodeCheckContext } from './rules/engine/rule.js';
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
import { VmtopoTokenBuilder } from './langium/token-builder.js';
import { VmtopoValueConverter } from './langium/value-converter.js';
import { VmtopoValidationRegistry } from './langium/validation-registry.js';
import { TopologyRuleRunner } from './rules/engine/runner.js';
import { VmtopoDocumentValidator } from './langium/document-validator.js';
import { RuleControl } from './rules/engine/control.js';
import type { RuleRegistry } from './rules/engine/registry.js';
import { RULES } from './rules/index.js';
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
        /** Every rule family and record (rules/index.ts), handed to the rule engine. */
        RuleRegistry: RuleRegistry;
        VmtopoValidator: VmtopoValidator;
        /** Runs the topology checks once per workspace build; each document takes its share. */
        TopologyRuleRunner: TopologyRuleRunner;
        /** Severity overrides (`vmtopo.rules`, `--rule`) and suppression comments, applied by the DocumentValidator. */
        RuleControl: RuleControl;
        /** What the node checks read besides their node: the longest name, set by the export formats' file names (SYN008). */
        NodeCheckContext: NodeCheckContext;
    };
};

export type VmtopoServices = LangiumServices & VmtopoAddedServices;
/** The services of {@link createVmtopoCoreServices}: everything but the editor services. */
export type VmtopoLanguageServices = LangiumCoreServices & VmtopoAddedServices;

/** The language's services that need no editor: parser, linking, model, rules, workspace. */
export const VmtopoCoreModule: Module<VmtopoLanguageServices, PartialLangiumCoreServices & VmtopoAddedServices> = {
    log: {
        InternalErrors: () => new InternalErrors()
    },
    parser: {
        Lexer: (services) => new VmtopoLexer(services),
        // Keywords' longer alternatives found with one partial expression per terminal (token-builder.ts).
        TokenBuilder: () => new VmtopoTokenBuilder(),
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
        RuleRegistry: () => RULES,
        ValidationRegistry: (services) => new VmtopoValidationRegistry(services, services.log.InternalErrors),
        VmtopoValidator: (services) => new VmtopoValidator(services),
        TopologyRuleRunner: (services) => new TopologyRuleRunner(services),
        DocumentValidator: (services) => new VmtopoDocumentValidator(services),
        RuleControl: (services) => new RuleControl(services),
        NodeCheckContext: () => ({ names: exportNameLimit() })
    },
    workspace: {
        // Reference descriptions made when find-references needs them, not on every build (index-manager.ts).
        ReferenceDescriptionProvider: (services) => new VmtopoReferenceDescriptionProvider(services),
        // Descriptions of named nodes with their path and text segment made when read (ast-descriptions.ts).
        AstNodeDescriptionProvider: (services) => new VmtopoAstNodeDescriptionProvider(services)
    }
};

/**
 * The editor services (language server), injected after {@link VmtopoCoreModule}: hover, completion,
 * quick-fixes, formatter, symbols, tokens, lenses. (Two modules rather than one spread into the
 * other, so that a bundle that uses only the core module leaves this one and the editor out.)
 */
export const VmtopoEditorModule: Module<VmtopoServices, PartialLangiumServices> = {
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

/**
 * Shared (language-independent) services: the `workspace/executeCommand` handler, which holds the
 * features' commands (`vmtopo.export`; registered by {@link createVmtopoServices}).
 */
export const VmtopoSharedCoreModule: Module<LangiumSharedCoreServices, DeepPartial<LangiumSharedCoreServices>> = {
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

/** The language server's shared services, injected after {@link VmtopoSharedCoreModule}: the features' command handler and the symbol kinds. */
export const VmtopoSharedEditorModule: Module<LangiumSharedServices, DeepPartial<LangiumSharedServices>> = {
    lsp: {
        ExecuteCommandHandler: () => new FeatureCommandHandler(),
        NodeKindProvider: () => new VmtopoNodeKindProvider()
    }
};

/** Options of {@link createVmtopoServices}. */
export interface VmtopoOptions {
    /** Receives one line per distinct internal failure (default: `console.error`, the server's log). */
    log?: (line: string) => void;
    /** Settings of the features (the language server's diagram worker). */
    features?: FeatureOptions;
}

/**
 * Creates the shared and the vmtopo services. Pass `{ connection, ...NodeFileSystem }` in the
 * language server, `NodeFileSystem` in the CLI, and nothing (or `EmptyFileSystem`) in tests.
 * Registers the features (features/index.ts): their commands always, their requests when there is
 * a connection.
 */
export function createVmtopoServices(context: DefaultSharedModuleContext = EmptyFileSystem, options: VmtopoOptions = {}): {
    shared: LangiumSharedServices;
    vmtopo: VmtopoServices;
} {
    // The core modules' factories read only core services, which the LSP services include.
    const sharedCore = VmtopoSharedCoreModule as Module<LangiumSharedServices, DeepPartial<LangiumSharedServices>>;
    const core = VmtopoCoreModule as Module<VmtopoServices, PartialLangiumServices & VmtopoAddedServices>;
    const shared = inject(createDefaultSharedModule(context), VmtopoGeneratedSharedModule, sharedCore, VmtopoSharedEditorModule);
    const vmtopo = inject(createDefaultModule({ shared }), VmtopoGeneratedModule, core, VmtopoEditorModule, logModule(options));
    shared.ServiceRegistry.register(vmtopo);
    registerValidationChecks(vmtopo);
    registerFeatures(FEATURES, { shared, vmtopo, options: options.features ?? {} }, context.connection);
    if (!context.connection) {
        // Not running inside a language server: nothing will send the configuration.
        void shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, vmtopo };
}

/** The internal-error log writing to `options.log`, or nothing (the default log). */
function logModule(options: VmtopoOptions): Module<VmtopoLanguageServices, DeepPartial<VmtopoLanguageServices>> {
    return options.log ? { log: { InternalErrors: () => new InternalErrors(options.log) } } : {};
}

/**
 * Creates the shared and the vmtopo services without the editor services: the same parser, linking,
 * model, rules and workspace as {@link createVmtopoServices}, on Langium's core modules. The CLI uses
 * it (`NodeFileSystem`); no feature commands are registered (the CLI calls the features directly).
 */
export function createVmtopoCoreServices(context: DefaultSharedCoreModuleContext = EmptyFileSystem, options: Omit<VmtopoOptions, 'features'> = {}): {
    shared: LangiumSharedCoreServices;
    vmtopo: VmtopoLanguageServices;
} {
    const shared = inject(createDefaultSharedCoreModule(context), VmtopoGeneratedSharedModule, VmtopoSharedCoreModule);
    const vmtopo = inject(createDefaultCoreModule({ shared }), VmtopoGeneratedModule, VmtopoCoreModule, logModule(options));
    shared.ServiceRegistry.register(vmtopo);
    registerValidationChecks(vmtopo);
    // Nothing sends the configuration outside a language server.
    void shared.workspace.ConfigurationProvider.initialized({});
    return { shared, vmtopo };
}
