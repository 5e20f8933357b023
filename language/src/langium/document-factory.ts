/**
 * The document factory, with one change to Langium's: an edit inside one top-level block of a
 * document that parsed cleanly re-parses only that block ({@link reparseIncrementally}); the other
 * blocks keep their syntax nodes, so everything cached by syntax node (resolved host and VM models,
 * topology rule runs, node checks) is reused for them. Any other edit parses the whole text, as
 * Langium does.
 */
import {
    DefaultLangiumDocumentFactory, type AstNode, type LangiumDocument, type LangiumSharedCoreServices, type ParseResult, type URI
} from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import { reparseIncrementally } from './incremental.js';

export class VmtopoDocumentFactory extends DefaultLangiumDocumentFactory {
    /** The parse result of each document being updated, before the update (by `URI.toString()`). */
    private readonly previous = new Map<string, ParseResult<AstNode>>();

    constructor(services: LangiumSharedCoreServices) {
        super(services);
    }

    override async update<T extends AstNode = AstNode>(document: LangiumDocument<T>, cancellationToken: CancellationToken): Promise<LangiumDocument<T>> {
        const key = document.uri.toString();
        this.previous.set(key, document.parseResult);
        try {
            return await super.update(document, cancellationToken);
        } finally {
            this.previous.delete(key);
        }
    }

    protected override async parseAsync<T extends AstNode>(uri: URI, text: string, cancellationToken: CancellationToken): Promise<ParseResult<T>> {
        const previous = this.previous.get(uri.toString());
        if (previous) {
            this.previous.delete(uri.toString());
            const parser = this.serviceRegistry.getServices(uri).parser.LangiumParser;
            const result = reparseIncrementally(previous, text, parser);
            if (result) return result as ParseResult<T>;
        }
        return super.parseAsync<T>(uri, text, cancellationToken);
    }
}
