/**
 * How a feature (export, import, diagram) registers its server side: a {@link Feature} names its
 * `workspace/executeCommand` commands and its custom requests, and {@link registerFeatures} — called
 * once, by `createVmtopoServices` (vmtopo-module.ts) — puts every feature's commands into the one
 * {@link FeatureCommandHandler} (Langium's ExecuteCommandHandler, whose command ids the server
 * announces in `initialize`) and, in a language server, every request on the connection.
 *
 * A feature's descriptor is small: its handlers import the feature's code when they first run, so a
 * process that never exports or draws (the CLI's `check`) never loads the writers or elkjs.
 */
import { AbstractExecuteCommandHandler, type LangiumSharedServices } from 'langium/lsp';
import type { Connection } from 'vscode-languageserver';
import type { VmtopoCoreServices } from '../langium/services.js';

/** Settings of the features that depend on where the server runs. */
export interface FeatureOptions {
    /** The bundled layout worker of the diagram (`out/server/diagram-worker.cjs`); without it layouts run in the server's thread. */
    readonly diagramWorkerFile?: string;
}

/** What a feature's handlers work with. */
export interface FeatureContext {
    readonly shared: LangiumSharedServices;
    readonly vmtopo: VmtopoCoreServices;
    readonly options: FeatureOptions;
}

/** A `workspace/executeCommand` handler: the command's `arguments` → its answer. */
export type CommandHandler = (args: unknown[]) => unknown;
/** A request handler: the request's params → its answer. */
export type RequestHandler = (params: never) => unknown;

/** The server side of a feature. */
export interface Feature {
    /** For messages: `export`, `import`, `diagram`. */
    readonly name: string;
    /** Its `workspace/executeCommand` commands: command id → handler. Registered in every process. */
    commands?(context: FeatureContext): Readonly<Record<string, CommandHandler>>;
    /** Its custom requests: method → handler. Registered only in a language server (with a connection). */
    requests?(context: FeatureContext): Readonly<Record<string, RequestHandler>>;
    /** Registers its validation checks, if any (`ValidationRegistry.register`). Called in every process. */
    validation?(context: FeatureContext): void;
}

/**
 * Langium's `workspace/executeCommand` handler holding the features' commands ({@link add}). Its
 * `commands` are what the server announces in `initialize` (`executeCommandProvider`), so every
 * feature must be registered before the server starts.
 */
export class FeatureCommandHandler extends AbstractExecuteCommandHandler {
    /** Called by the base constructor, before any feature exists: the features add theirs ({@link add}). */
    registerCommands(): void {
        // nothing of its own
    }

    /** The feature that added each command. */
    private readonly owners = new Map<string, string>();

    /** Adds a command of the feature `owner`. Throws when the id is taken (two features would answer it). */
    add(id: string, handler: CommandHandler, owner: string): void {
        const first = this.owners.get(id);
        if (first !== undefined || this.registeredCommands.has(id)) {
            throw new Error(`the command ${id} is registered twice (by ${first ?? 'the server'} and ${owner})`);
        }
        this.owners.set(id, owner);
        this.createCommandAcceptor()(id, args => handler(Array.isArray(args) ? args : []));
    }
}

/**
 * The one loop that registers the features: each feature's commands into the shared services'
 * {@link FeatureCommandHandler}, and, when there is a `connection` (a language server), each of its
 * requests with `connection.onRequest`. Throws when the services' ExecuteCommandHandler is not a
 * {@link FeatureCommandHandler} or a command id is taken twice.
 */
export function registerFeatures(features: readonly Feature[], context: FeatureContext, connection?: Connection): void {
    const handler = context.shared.lsp.ExecuteCommandHandler;
    if (!(handler instanceof FeatureCommandHandler)) {
        throw new Error('registerFeatures: the ExecuteCommandHandler of the shared services is not a FeatureCommandHandler');
    }
    for (const feature of features) {
        feature.validation?.(context);
        for (const [id, run] of Object.entries(feature.commands?.(context) ?? {})) handler.add(id, run, feature.name);
        if (!connection) continue;
        for (const [method, run] of Object.entries(feature.requests?.(context) ?? {})) {
            connection.onRequest(method, (params: unknown) => run(params as never));
        }
    }
}
