/** Public surface of the vmtopo core, used by the server, the CLI and the tests. */
export * from './vmtopo-module.js';
export * from './generated/ast.js';
export * from './generated/module.js';
export type { Topology, HostModel, NumaNode, PcieSwitchModel, GpuModel, NicModel, NvSwitchModel, DeviceModel, VmModel, VmGpu, VmNic, PathType } from './model/topology.js';
export { pathType, switchPath, gpuNumaNodes } from './model/topology.js';
export * from './model/resolve.js';
export * from './syntax/tokens.js';
