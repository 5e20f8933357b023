/**
 * `vmtopo graph FILE... [--host NAME] [--fleet] [-o out.svg]`: the topology diagram as SVG, the
 * same SVG the editor's topology view shows and its "Export Topology as SVG" writes (both call
 * {@link renderDiagram}). The files are loaded and validated as one workspace, as `check` does; the
 * diagnostics are drawn on the nodes they concern (errors do not stop the diagram: it shows them).
 *
 * Without `-o` the SVG goes to stdout. Exit codes: 0 written; 2 unusable input, no host in the
 * files, an unknown `--host` (the message lists the hosts), or an output file that cannot be written.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import type { LangiumSharedServices } from 'langium/lsp';
import { checkFiles } from './check.js';
import { readInputFiles } from './input.js';
import { escapePath, escapeText } from '../kernel/text.js';
import { writeFileAtomic } from '../kernel/files.js';
import { documentDiagnostics, renderDiagram, sourceInfo } from '../features/diagram/index.js';
import type { VmtopoServices } from '../vmtopo-module.js';
import type { TopologyResult } from '../protocol.js';

export interface GraphOptions {
    host?: string;
    fleet?: boolean;
    output?: string;
}

/** Minimal I/O the command needs (a subset of the CLI's `CliIo`). */
export interface GraphIo {
    stdout(text: string): void;
    stderr(text: string): void;
    cwd: string;
}

/**
 * Loads `files` into the services' workspace, validates them and renders the diagram of `--host`
 * (default: the first host of the files) or the fleet overview.
 */
export async function graphFiles(services: { shared: LangiumSharedServices; vmtopo: VmtopoServices }, files: readonly string[], options: GraphOptions, cwd: string): Promise<TopologyResult> {
    const inputs = readInputFiles(files, cwd);
    await checkFiles(services.shared, inputs);
    const resolved = services.vmtopo.model.TopologyProvider.get();
    const documents = services.shared.workspace.LangiumDocuments.all.toArray();
    const docs = services.vmtopo.documentation.DocumentationProvider;
    return renderDiagram(resolved.topology, sourceInfo(resolved, node => docs.getDocumentation(node)), documentDiagnostics(documents), {
        host: options.host, fleet: options.fleet
    });
}

/** Registers `graph` on the CLI program; `run` gives the services and receives the exit code. */
export function registerGraphCommand(program: Command, io: GraphIo, services: () => { shared: LangiumSharedServices; vmtopo: VmtopoServices }, setExitCode: (code: number) => void): void {
    program.command('graph')
        .description('draw the topology as SVG (hosts, sockets, PCIe switches, GPUs, NICs, VM slices, diagnostics): one host, or --fleet for all hosts as cards')
        .argument('<file...>', '.vmtopo files, loaded together as one workspace')
        .option('--host <name>', 'the host to draw (default: the first host of the files)')
        .option('--fleet', 'draw the fleet overview: one card per host with its GPU use')
        .option('-o, --output <file>', 'write the SVG to this file (default: stdout)')
        .action(async (files: string[], options: GraphOptions) => {
            const result = await graphFiles(services(), files, options, io.cwd);
            if (result.message !== undefined || result.svg === '') {
                io.stderr(`vmtopo: ${escapeText(result.message ?? 'nothing to draw')}\n`);
                setExitCode(2);
                return;
            }
            if (options.output === undefined) {
                io.stdout(result.svg);
            } else {
                const target = path.resolve(io.cwd, options.output);
                writeFileAtomic(target, result.svg);
                io.stdout(`${escapePath(options.output)}\n`);
            }
            setExitCode(0);
        });
}
