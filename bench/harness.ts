/**
 * In-process benchmark harness, bundled on the fly by `bench/run.mjs` (esbuild, to a temp folder) so
 * that the benchmark runs the same code as the CLI: `readInputFiles` + `checkFiles` with
 * `createVmtopoServices(NodeFileSystem)`, `exportFiles` as `vmtopo export` calls it, and a
 * keystroke as the language server sees it (`TextDocuments.set` + `DocumentBuilder.update`).
 */
import { DocumentState, TextDocument, URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';
import { checkFiles, countBySeverity, type FileDiagnostics } from '../language/src/cli/check.js';
import { readInputFiles } from '../language/src/cli/input.js';
import { exportFiles, type ExportFormat } from '../language/src/export/index.js';

/** Where the time of one check went, in ms. */
export interface Phases {
    /** Creating the services and the parser (the grammar, Chevrotain's self-analysis): constant. */
    readonly setup: number;
    /** Reading the files (and checking they are UTF-8). */
    readonly read: number;
    /** Lexing and parsing every document (`LangiumDocumentFactory.fromString`). */
    readonly parse: number;
    /** Indexing, local scopes, linking and reference indexing: up to `IndexedReferences`. */
    readonly link: number;
    /** The rest: validation (node checks, the topology rules once, rule control). */
    readonly validate: number;
}

export interface CheckRun {
    /** Wall time of setup + read + parse + link + validate of all files, in ms. */
    readonly ms: number;
    readonly phases: Phases;
    readonly errors: number;
    readonly warnings: number;
    /** Kept alive so that heap use can be measured and documents edited. */
    readonly services: ReturnType<typeof createVmtopoServices>;
    readonly results: FileDiagnostics[];
}

/** What `vmtopo check FILES` does, in-process and timed, phase by phase. */
export async function checkWorkspace(files: readonly string[]): Promise<CheckRun> {
    const start = performance.now();
    const services = createVmtopoServices(NodeFileSystem);
    // The parser is built lazily on the first parse; build it here so that `parse` is parsing only.
    void services.vmtopo.parser.LangiumParser;
    const setupEnd = performance.now();
    const inputs = readInputFiles(files);
    const readEnd = performance.now();
    // `checkFiles` parses every document (fromString), then calls `DocumentBuilder.build`, which
    // first notifies the update listeners (so: parsing has ended), then runs the build phases.
    const builder = services.shared.workspace.DocumentBuilder;
    let parseEnd: number | undefined;
    let linkEnd: number | undefined;
    const hooks = [
        builder.onUpdate(() => { parseEnd ??= performance.now(); }),
        builder.onBuildPhase(DocumentState.IndexedReferences, () => { linkEnd ??= performance.now(); })
    ];
    const results = await checkFiles(services.shared, inputs);
    const end = performance.now();
    hooks.forEach(h => h.dispose());
    parseEnd ??= end;
    linkEnd ??= parseEnd;
    const { errors, warnings } = countBySeverity(results);
    return {
        ms: end - start,
        phases: { setup: setupEnd - start, read: readEnd - setupEnd, parse: parseEnd - readEnd, link: linkEnd - parseEnd, validate: end - linkEnd },
        errors, warnings, services, results
    };
}

/** What `vmtopo export FORMAT FILES -o OUT` does, in-process and timed (fresh services, as the CLI). */
export async function exportWorkspace(files: readonly string[], format: ExportFormat, outDir: string): Promise<{ ms: number; ok: boolean; written: number; problems: string[] }> {
    const start = performance.now();
    const services = createVmtopoServices(NodeFileSystem);
    const result = await exportFiles(services, { files: [...files], format, outDir });
    const ms = performance.now() - start;
    return { ms, ok: result.ok, written: result.written.length, problems: result.problems.slice(0, 3) };
}

/**
 * One edit as an editor sends it: the new full text of `file` (absolute path) goes into
 * `TextDocuments`, then `DocumentBuilder.update` re-parses it and re-links and re-validates what
 * depends on it. Returns the time in ms and the errors of the edited file afterwards.
 */
export async function editAndUpdate(run: CheckRun, file: string, newText: string, version: number): Promise<{ ms: number; errors: number }> {
    const { shared } = run.services;
    const uri = URI.file(file);
    const start = performance.now();
    shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', version, newText));
    await shared.workspace.DocumentBuilder.update([uri], []);
    const ms = performance.now() - start;
    const document = shared.workspace.LangiumDocuments.getDocument(uri);
    const errors = (document?.diagnostics ?? []).filter(d => (d.severity ?? 1) === 1).length;
    return { ms, errors };
}
