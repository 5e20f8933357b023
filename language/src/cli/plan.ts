/**
 * `vmtopo plan FILE... [--host H] [--report] [-o OUT]`: places the files' `request` blocks (README
 * "Placement planner") next to their VMs and writes the planned `vm` blocks to stdout or OUT; with
 * `--report`, also the stranded-capacity table (to stderr when the VMs go to stdout). Loaded when
 * the command runs (cli.ts).
 *
 * Exit codes: 0 planned (and written); 1 the files have errors, or a request cannot be placed (one
 * located error per request: `file:line:col error PLAN003 …`, nothing written); 2 unusable input.
 */
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { checkFiles, textReport } from './check.js';
import { readInputFiles } from './input.js';
import { cliServices } from './services.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIo } from './io.js';
import { escapePath, escapeText } from '../kernel/text.js';
import { writeFileAtomic } from '../kernel/files.js';
import { formatDiagnostic } from '../kernel/diagnostics.js';
import type { Model } from '../generated/ast.js';
import { planWorkspace, requestsOf } from '../features/plan/index.js';
import { reportText } from '../features/plan/report.js';
import { planSummary } from '../features/plan/write.js';
import { PLAN003 } from '../rules/plan.js';

export interface PlanCliOptions {
    host?: string;
    report?: boolean;
    output?: string;
    method?: 'milp' | 'heuristic';
}

/** Runs `vmtopo plan`. */
export async function runPlan(files: readonly string[], options: PlanCliOptions, io: CliIo): Promise<number> {
    const services = cliServices(io);
    const inputs = readInputFiles(files, io.cwd);
    const results = await checkFiles(services.shared, inputs);
    const errors = results.flatMap(r => r.diagnostics.filter(d => d.severity === 1).map(d => ({ file: r.file, d })));
    if (errors.length > 0) {
        for (const line of textReport(results.map(r => ({ ...r, diagnostics: r.diagnostics.filter(d => d.severity === 1) })))) io.stderr(`${line}\n`);
        io.stderr(`vmtopo: plan refused: ${errors.length} error${errors.length > 1 ? 's' : ''} in the files; nothing was written\n`);
        return EXIT_PROBLEMS;
    }
    const documents = services.shared.workspace.LangiumDocuments.all.toArray();
    const models = inputs.map(f => documents.find(d => d.uri.fsPath === f.absolute)!.parseResult.value as Model);
    const requests = requestsOf(models);
    const topology = services.vmtopo.model.TopologyProvider.get().topology;
    if (options.host && !topology.hosts.some(h => h.name === options.host)) {
        io.stderr(`vmtopo: no host ${escapeText(options.host)} in the files (hosts: ${topology.hosts.map(h => escapeText(h.name)).join(', ') || 'none'})\n`);
        return EXIT_USAGE;
    }
    if (requests.length === 0 && !options.report) {
        io.stderr('vmtopo: the files have no request blocks; nothing to plan\n');
        return EXIT_USAGE;
    }
    const plan = await planWorkspace(topology, requests, { host: options.host, method: options.method });
    if (plan.errors.length > 0) {
        for (const e of plan.errors) {
            const file = inputs.find(f => models.indexOf(e.node.$container) === inputs.indexOf(f));
            const range = e.node.$cstNode?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
            const diagnostic: Diagnostic = { range, severity: 1, code: PLAN003.id, message: e.message };
            io.stderr(`${formatDiagnostic(file?.given ?? '', diagnostic)}\n`);
        }
        io.stderr('vmtopo: plan refused; nothing was written\n');
        return EXIT_PROBLEMS;
    }
    if (plan.result && plan.result.vms.length > 0) {
        const text = plan.text;
        if (options.output === undefined) io.stdout(text);
        else {
            writeFileAtomic(path.resolve(io.cwd, options.output), text);
            io.stdout(`${escapePath(options.output)}\n`);
        }
        io.stderr(`vmtopo: planned by ${planSummary(plan.result)}\n`);
    }
    if (options.report) {
        const table = reportText(plan.report);
        if (options.output === undefined && plan.result && plan.result.vms.length > 0) io.stderr(table); else io.stdout(table);
    }
    return EXIT_OK;
}
