/**
 * `vmtopo graph FILE... [--host NAME] [--fleet] [--size WxH] [-o out.svg]`: the topology diagram as SVG, the
 * same SVG the editor's topology view shows and `vmtopo export svg` (and the editor's "Export
 * Topology as SVG") writes per host: all call {@link renderDiagram}. Loaded when the command runs
 * (cli.ts). The files are loaded and validated as one workspace, as `check` does; the
 * diagnostics are drawn on the nodes they concern (errors do not stop the diagram: it shows them).
 *
 * Without `-o` the SVG goes to stdout. Exit codes: 0 written; 2 unusable input, no host in the
 * files, an unknown `--host` (the message lists the hosts), or an output file that cannot be written.
 */
import * as path from 'node:path';
import type { LangiumSharedCoreServices } from 'langium';
import { checkFiles } from './check.js';
import { readInputFiles } from './input.js';
import { cliServices } from './services.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { escapePath, escapeText } from '../kernel/text.js';
import { writeFileAtomic } from '../kernel/files.js';
import { documentDiagnostics, renderDiagram, sourceInfo } from '../features/diagram/index.js';
import type { VmtopoCoreServices } from '../langium/services.js';
import type { TopologyResult } from '../protocol.js';

export interface GraphOptions {
    host?: string;
    fleet?: boolean;
    output?: string;
    /** The screen the host is laid out for, in px (default 1600 × 1000, `DEFAULT_VIEWPORT`). */
    size?: { width: number; height: number };
}

/**
 * Loads `files` into the services' workspace, validates them and renders the diagram of `--host`
 * (default: the first host of the files) or the fleet overview.
 */
export async function graphFiles(services: { shared: LangiumSharedCoreServices; vmtopo: VmtopoCoreServices }, files: readonly string[], options: GraphOptions, cwd: string): Promise<TopologyResult> {
    const inputs = readInputFiles(files, cwd);
    await checkFiles(services.shared, inputs);
    const resolved = services.vmtopo.model.TopologyProvider.get();
    const documents = services.shared.workspace.LangiumDocuments.all.toArray();
    const docs = services.vmtopo.documentation.DocumentationProvider;
    return renderDiagram(resolved.topology, sourceInfo(resolved, node => docs.getDocumentation(node)), documentDiagnostics(documents), {
        host: options.host, fleet: options.fleet, viewport: options.size
    });
}

/** Runs `vmtopo graph`: the SVG to stdout or `-o`; exit code 0, or 2 with one line when there is nothing to draw. */
export async function runGraph(files: readonly string[], options: GraphOptions, io: CliIo): Promise<number> {
    const result = await graphFiles(cliServices(io), files, options, io.cwd);
    if (result.message !== undefined || result.svg === '') {
        io.stderr(`vmtopo: ${escapeText(result.message ?? 'nothing to draw')}\n`);
        return EXIT_USAGE;
    }
    if (options.output === undefined) {
        io.stdout(result.svg);
    } else {
        writeFileAtomic(path.resolve(io.cwd, options.output), result.svg);
        io.stdout(`${escapePath(options.output)}\n`);
    }
    return EXIT_OK;
}
