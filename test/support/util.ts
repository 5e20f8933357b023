/**
 * Test helpers shared by the suites: build one or more vmtopo documents in memory, with the same
 * services the server and the CLI use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI, type LangiumDocument } from 'langium';
import { describe } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import type { Model } from '../../language/src/generated/ast.js';
import type { ResolvedTopology } from '../../language/src/model/resolve.js';

export const REPO = path.resolve(__dirname, '../..');
/** `../shared` beside the repository, or the folder `VMTOPO_SHARED` names (a worktree kept elsewhere). */
export const SHARED = process.env.VMTOPO_SHARED ? path.resolve(process.env.VMTOPO_SHARED) : path.resolve(REPO, '../shared');

/**
 * Whether the reference material `../shared/reference/` lies beside the repository (CI has it; a
 * clone of the repository alone does not). Its files are third-party data, read in place, never
 * copied into the repository.
 */
export const HAS_REFERENCE = fs.existsSync(path.join(SHARED, 'reference'));

/** The text of `../shared/reference/<relative>`, or '' when the folder is absent. */
export function readReference(relative: string): string {
    return HAS_REFERENCE ? fs.readFileSync(path.join(SHARED, 'reference', relative), 'utf8') : '';
}

/**
 * `describe` for tests that read `../shared/reference/`: when the folder is absent they are
 * skipped, with one line on stderr naming what was skipped.
 */
export function describeWithReference(name: string, body: () => void): void {
    if (HAS_REFERENCE) {
        describe(name, body);
    } else {
        console.warn(`skipped (../shared/reference is absent): ${name}`);
        describe.skip(name, body);
    }
}

/** Reads a file of the repository (e.g. `examples/hgx-h200.vmtopo`). */
export function readRepoFile(relative: string): string {
    return fs.readFileSync(path.join(REPO, relative), 'utf8');
}

export interface Workspace {
    services: ReturnType<typeof createVmtopoServices>;
    documents: LangiumDocument<Model>[];
    /** Diagnostics of the document at `name` (the key given to {@link buildWorkspace}). */
    diagnostics(name?: string): Diagnostic[];
    resolved(): ResolvedTopology;
}

/**
 * Builds the given files (name → text) as one workspace, with validation. The first file is the
 * default for `diagnostics()`.
 */
export async function buildWorkspace(files: Record<string, string>): Promise<Workspace> {
    const services = createVmtopoServices();
    const names = Object.keys(files);
    const documents = names.map(name => {
        const doc = services.shared.workspace.LangiumDocumentFactory.fromString<Model>(files[name], URI.file(`/ws/${name}`));
        services.shared.workspace.LangiumDocuments.addDocument(doc);
        return doc;
    });
    await services.shared.workspace.DocumentBuilder.build(documents, { validation: true });
    return {
        services,
        documents,
        diagnostics: (name = names[0]) => documents[names.indexOf(name)]?.diagnostics ?? [],
        resolved: () => services.vmtopo.model.TopologyProvider.get()
    };
}

/** Builds one text as `main.vmtopo`. */
export function build(text: string): Promise<Workspace> {
    return buildWorkspace({ 'main.vmtopo': text });
}

/** Diagnostics with the given rule id. */
export function withCode(diagnostics: Diagnostic[], code: string): Diagnostic[] {
    return diagnostics.filter(d => d.code === code);
}
