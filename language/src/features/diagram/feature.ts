/**
 * The diagram feature's server side: the `vmtopo/topology` request ({@link TOPOLOGY_REQUEST}) of the
 * topology view. One {@link TopologyService} per server, made (with the layout worker, when the
 * server has one) on the first request; it waits for the workspace's first load before answering.
 */
import { TOPOLOGY_REQUEST, type TopologyParams } from '../../protocol.js';
import type { Feature } from '../feature.js';
import type { TopologyService } from './server.js';

export const diagramFeature: Feature = {
    name: 'diagram',
    requests: context => {
        let service: Promise<TopologyService> | undefined;
        return {
            [TOPOLOGY_REQUEST]: async (params: TopologyParams) => {
                service ??= import('./server.js').then(m => new m.TopologyService(context.shared, context.vmtopo, {
                    waitForWorkspace: true, workerFile: context.options.diagramWorkerFile
                }));
                return (await service).request(params);
            }
        };
    }
};
