/**
 * The language server's side of "vmtopo: Check Drift Against Bundle…": `vmtopo.drift` reads the
 * bundle, finds its host among the workspace's, loads it into the session (session.ts) and
 * validates the workspace's documents again (from their linked state: their texts did not change), so that the drift findings are published as the
 * documents' diagnostics. A bundle it cannot use is an answer (`ok: false` and the one-line reason),
 * never a failed request.
 */
import * as fs from 'node:fs';
import { DocumentState, URI } from 'langium';
import type { DriftCommandArgs, DriftCommandResult } from '../../protocol.js';
import type { FeatureContext } from '../feature.js';
import type * as ast from '../../generated/ast.js';
import { escapePath } from '../../kernel/text.js';
import { BundleError, readBundle, type Bundle } from './bundle.js';
import { hostFacts } from './facts.js';
import { driftOfHost } from './drift.js';
import { driftTargets, hostOfBundle } from './index.js';
import { DEFAULT_TAR_LIMITS } from './tar.js';
import { clearDriftBundle, hostOfLoadedBundle, setDriftBundle } from './session.js';

/** Runs one `vmtopo.drift` command. */
export async function runDriftCommand(context: FeatureContext, raw: unknown): Promise<DriftCommandResult> {
    const args = raw as Partial<DriftCommandArgs> | undefined;
    if (typeof args?.bundle !== 'string' || args.bundle === '') return { ok: false, message: 'vmtopo.drift needs { bundle: PATH }' };
    const file = args.bundle.startsWith('file:') ? URI.parse(args.bundle).fsPath : args.bundle;
    const name = escapePath(file);
    const workspace = context.shared.workspace;
    const documents = workspace.LangiumDocuments.all.filter(d => d.uri.path.endsWith('.vmtopo')).toArray();
    // Validated again (not re-read: the texts did not change), which publishes their diagnostics.
    const revalidate = async () => {
        for (const d of documents) if (d.state >= DocumentState.IndexedReferences) workspace.DocumentBuilder.resetToState(d, DocumentState.IndexedReferences);
        await workspace.DocumentBuilder.build(documents, { validation: true });
    };
    if (args.clear) {
        const host = hostOfLoadedBundle(name);
        if (host) clearDriftBundle(host);
        await revalidate();
        return { ok: true, message: host ? `drift of ${host} cleared` : `${name} was not loaded`, host };
    }
    let bundle: Bundle;
    let host: string;
    try {
        const size = fs.statSync(file).size;
        if (size > DEFAULT_TAR_LIMITS.maxTotalBytes) throw new BundleError(name, `${size} bytes: bigger than a bundle can be`);
        bundle = await readBundle(fs.readFileSync(file), name);
        const models = workspace.LangiumDocuments.all.map(d => d.parseResult.value as ast.Model).toArray();
        host = hostOfBundle(bundle, driftTargets(models, context.vmtopo.model.TopologyProvider.get()));
        const facts = hostFacts(bundle);
        setDriftBundle(host, {
            bundle: name,
            findings: (all, resolved) => {
                const target = driftTargets(all as ast.Model[], resolved).get(host);
                return target ? driftOfHost(target, facts) : [];
            }
        });
    } catch (err) {
        if (err instanceof BundleError) return { ok: false, message: err.message };
        const code = (err as NodeJS.ErrnoException).code;
        if (code) return { ok: false, message: `${name}: cannot read it (${code})` };
        throw err;
    }
    await revalidate();
    const findings = documents
        .flatMap(d => d.diagnostics ?? []).filter(d => typeof d.code === 'string' && d.code.startsWith('DRIFT')).length;
    return { ok: true, host, findings, message: findings === 0 ? `no drift: ${host} is as its files say (${bundle.name})` : `${findings} drift findings on ${host} (${bundle.name})` };
}
