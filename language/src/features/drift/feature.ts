/**
 * The drift feature's server side: the `vmtopo.drift` command ({@link DRIFT_COMMAND}: load a bundle,
 * server.ts, loaded on its first use) and a validation check on each document that gives the loaded
 * bundles' findings as diagnostics, at their ranges, with their "accept the live value" quick-fixes
 * in `data.fixes` (the code-action provider offers them as it offers the rules'). Without a loaded
 * bundle the check returns at once.
 */
import { AstUtils, type ValidationAcceptor } from 'langium';
import { DRIFT_COMMAND } from '../../protocol.js';
import type * as ast from '../../generated/ast.js';
import type { Feature } from '../feature.js';
import { driftLoaded, sessionFindings } from './session.js';

/** The registries the check is registered in (once each, however often the features are registered). */
const registered = new WeakSet<object>();

export const driftFeature: Feature = {
    name: 'drift',
    validation: context => {
        const registry = context.vmtopo.validation.ValidationRegistry;
        if (registered.has(registry)) return;
        registered.add(registry);
        const documents = context.shared.workspace.LangiumDocuments;
        const models = () => documents.all.filter(d => d.uri.path.endsWith('.vmtopo') || d.textDocument.languageId === 'vmtopo').map(d => d.parseResult.value).toArray();
        // On the document's root: the node checks' reports on a block are reused while the block is
        // unchanged (langium/document-validator.ts), the root's checks run on every validation.
        const check = (model: ast.Model, accept: ValidationAcceptor) => {
            if (!driftLoaded()) return;
            const hosts = new Set<string>();
            for (const h of model.hosts ?? []) if (h.name) hosts.add(h.name);
            for (const v of model.vms ?? []) if (v.host?.ref?.name) hosts.add(v.host.ref.name);
            const uri = AstUtils.getDocument(model).uri.toString();
            for (const host of hosts) {
                for (const f of sessionFindings(host, models, context.vmtopo.model.TopologyProvider.get()) ?? []) {
                    if (f.uri !== uri) continue;
                    accept(f.severity, f.message, {
                        node: model, range: f.range, code: f.code,
                        data: { code: f.code, command: f.command, ...(f.fixes.length > 0 ? { fixes: f.fixes } : {}) }
                    });
                }
            }
        };
        registry.register({ Model: check });
    },
    commands: context => ({
        [DRIFT_COMMAND]: async (args: unknown[]) => (await import('./server.js')).runDriftCommand(context, args[0])
    })
};
