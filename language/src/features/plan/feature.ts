/**
 * The placement planner's server side: the `vmtopo/plan` request ({@link PLAN_REQUEST}) answers the
 * planned `vm` blocks of a document's requests, the errors of those that cannot be planned, and the
 * stranded-capacity table (features/plan/index.ts). The editor's "Place this request" code action
 * (editor/plan-actions.ts) uses the same planner.
 */
import { URI } from 'langium';
import { PLAN_REQUEST, type PlanAnswer, type PlanParams } from '../../protocol.js';
import type { Model } from '../../generated/ast.js';
import type { Feature } from '../feature.js';

export const planFeature: Feature = {
    name: 'plan',
    requests: context => ({
        [PLAN_REQUEST]: async (params: PlanParams): Promise<PlanAnswer> => {
            const { planWorkspace } = await import('./index.js');
            const { reportText } = await import('./report.js');
            const documents = context.shared.workspace.LangiumDocuments;
            const uri = URI.parse(params.uri);
            if (!documents.hasDocument(uri)) return { text: '', errors: [`${params.uri} is not a vmtopo document of the workspace`], report: '' };
            const model = documents.getDocument(uri)!.parseResult.value as Model;
            const requests = model.requests.filter(r => params.request === undefined || r.name === params.request);
            const plan = await planWorkspace(context.vmtopo.model.TopologyProvider.get().topology, requests, { host: params.host });
            return { text: plan.text, errors: plan.errors.map(e => e.message), report: plan.report.length > 0 ? reportText(plan.report) : '' };
        }
    })
};
