/**
 * A code lens above each GPU, NIC and NVSwitch of a host: who holds it, from the resolved topology —
 * "train-a (passthrough)", "tenant-c, tenant-d (MIG 1g.18gb ×2)", "tenant-c, tenant-d (VF 0, 1)",
 * "free"; an NVSwitch no VM takes "stays with the host", one given to a VM (the Fabric Manager
 * service VM) names it: "fm-service (passthrough)". The lens is a label (no command
 * to run); it is recomputed whenever the client asks again after an edit of any vmtopo file.
 */
import { AstUtils, type LangiumDocument, type MaybePromise } from 'langium';
import type { CodeLensProvider } from 'langium/lsp';
import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { isGpu, isNic, isNvSwitch } from '../generated/ast.js';
import type { DeviceModel } from '../model/topology.js';
import type { VmtopoCoreServices } from '../langium/services.js';
import { describeUses, deviceUses } from '../model/device-holders.js';

export class VmtopoCodeLensProvider implements CodeLensProvider {
    constructor(protected readonly services: VmtopoCoreServices) {}

    provideCodeLens(document: LangiumDocument, _params: CodeLensParams): MaybePromise<CodeLens[] | undefined> {
        return this.services.log.InternalErrors.guard('code lens', () => {
            const resolved = this.services.model.TopologyProvider.get();
            const lenses: CodeLens[] = [];
            for (const node of AstUtils.streamAllContents(document.parseResult.value)) {
                if (!(isGpu(node) || isNic(node) || isNvSwitch(node)) || !node.$cstNode) continue;
                const device = resolved.modelOf.get(node) as DeviceModel | undefined;
                if (!device) continue;
                const uses = deviceUses(resolved.topology, device);
                // An NVSwitch no VM takes stays with the host (shared NVSwitch mode run on the host).
                const title = isNvSwitch(node) && uses.length === 0 ? 'stays with the host' : describeUses(uses);
                const start = node.$cstNode.range.start;
                lenses.push({ range: { start, end: start }, command: { title, command: '' } });
            }
            return lenses;
        }, []);
    }
}
