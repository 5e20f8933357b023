/**
 * `vmtopo export FORMAT FILE... [--vm NAME] [--host NAME] [-o DIR] [--into DOMAIN.xml] [--rule RULE=LEVEL]...`: loaded
 * when the command runs (cli.ts). Writes the files of one format of the registry with `exportFiles`
 * (features/export), the code the editor's export commands run in the language server.
 */
import * as path from 'node:path';
import { exportFiles } from '../features/export/export-files.js';
import { escapePath } from '../kernel/text.js';
import { refusalLine } from '../kernel/diagnostics.js';
import { readInputFiles } from './input.js';
import { cliServices } from './services.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIo } from './io.js';
import type { RuleOverrides } from '../rules/engine/control.js';

export interface ExportOptions {
    vm?: string;
    host?: string;
    outDir?: string;
    /** libvirt only: the user's domain XML to merge the VM into (`--into`). */
    into?: string;
    rules: RuleOverrides;
}

/**
 * Exports `files` in `format` and prints each written path. Exit code: 0 written; 1 refused, for
 * the whole export or for some VMs — each VM is written when it and its host have no error — (the
 * paths written on stdout; the blocking errors, then one line naming the refused and the written
 * VMs, on stderr); 2 a file could not be written (the files written so
 * far on stdout, one line on stderr). Throws `InputError` for an unusable input file.
 */
export async function runExport(format: string, files: readonly string[], options: ExportOptions, io: CliIo): Promise<number> {
    const inputs = readInputFiles(files, io.cwd);
    const services = cliServices(io, options.rules);
    const result = await exportFiles(services, {
        files: inputs.map(i => i.absolute),
        format,
        vm: options.vm,
        host: options.host,
        outDir: options.outDir === undefined ? undefined : path.resolve(io.cwd, options.outDir),
        into: options.into === undefined ? undefined : path.resolve(io.cwd, options.into)
    });
    // The exporter names files by absolute path (escaped); show them as the user gave them (escaped
    // too). Longest first, so that /w/a.vmtopo does not replace the start of /w/a.vmtopo.vmtopo.
    const given = [...inputs, ...(options.into === undefined ? [] : [{ absolute: path.resolve(io.cwd, options.into), given: options.into }])];
    const names = given.map(i => ({ absolute: escapePath(i.absolute), given: escapePath(i.given) }))
        .sort((a, b) => b.absolute.length - a.absolute.length);
    const asGiven = (line: string) => names.reduce((text, { absolute, given }) =>
        [':', ',', ';', ' '].reduce((t, end) => t.split(`${absolute}${end}`).join(`${given}${end}`), text), line);
    if (result.writeFailed) {
        // A file-system error while writing: the files written so far, then one line, exit 2.
        for (const file of result.written) io.stdout(`${escapePath(displayPath(file, io.cwd))}\n`);
        for (const problem of result.problems) io.stderr(`vmtopo: ${asGiven(problem)}\n`);
        return EXIT_USAGE;
    }
    if (!result.ok) {
        // What was written all the same (the VMs without errors, when others were refused), the
        // details (one error per line), then the one line saying what was refused and what written.
        for (const file of result.written) io.stdout(`${escapePath(displayPath(file, io.cwd))}\n`);
        for (const problem of result.problems.slice(1)) io.stderr(`${asGiven(problem)}\n`);
        io.stderr(`vmtopo: ${asGiven(refusalLine(result))}\n`);
        return EXIT_PROBLEMS;
    }
    for (const problem of result.problems) io.stderr(`${asGiven(problem)}\n`);
    for (const file of result.written) io.stdout(`${escapePath(displayPath(file, io.cwd))}\n`);
    return EXIT_OK;
}

/** A path relative to `cwd` when it lies under it, else the absolute path. */
function displayPath(file: string, cwd: string): string {
    const relative = path.relative(cwd, file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
