/**
 * In-process benchmark harness, bundled on the fly by `bench/run.mjs` (esbuild, to a temp folder) so
 * that the benchmark runs the same code as the CLI: `readInputFiles` + `checkFiles` with
 * `createVmtopoServices(NodeFileSystem)`, and a keystroke as the language server sees it
 * (`TextDocuments.set` + `DocumentBuilder.update`).
 */
import { TextDocument, URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';
import { checkFiles, countBySeverity, type FileDiagnostics } from '../language/src/cli/check.js';
import { readInputFiles } from '../language/src/cli/input.js';

export interface CheckRun {
    /** Wall time of read + parse + link + validate of all files, in ms. */
    readonly ms: number;
    readonly errors: number;
    readonly warnings: number;
    /** Kept alive so that heap use can be measured and documents edited. */
    readonly services: ReturnType<typeof createVmtopoServices>;
    readonly results: FileDiagnostics[];
}

/** What `vmtopo check FILES` does, in-process and timed. */
export async function checkWorkspace(files: readonly string[]): Promise<CheckRun> {
    const start = performance.now();
    const services = createVmtopoServices(NodeFileSystem);
    const inputs = readInputFiles(files);
    const results = await checkFiles(services.shared, inputs);
    const ms = performance.now() - start;
    const { errors, warnings } = countBySeverity(results);
    return { ms, errors, warnings, services, results };
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
