/**
 * Worker thread of the language server for the topology view's layout (bundled to
 * `out/server/diagram-worker.cjs`): receives `{ id, graph }` (an ELK graph), answers `{ id, graph }`
 * laid out by elkjs, or `{ id, error }`. The server stops the thread when a layout runs past its
 * time budget (`language/src/features/diagram/server.ts`).
 */
import { parentPort } from 'node:worker_threads';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import { inProcessEngine } from '../language/src/features/diagram/layout.js';

parentPort?.on('message', (m: { id: number; graph: ElkNode }) => {
    inProcessEngine().layout(m.graph).then(
        graph => parentPort?.postMessage({ id: m.id, graph }),
        err => parentPort?.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) }));
});
