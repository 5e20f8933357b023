/**
 * The formats `vmtopo import` reads (each detected from the content, or forced with `--format`):
 * hwloc topology XML, NCCL topology XML and `nvidia-smi topo -m` output. A module of its own, without
 * the importers, so that the CLI can offer the choices without loading them.
 */
export type ImportFormat = 'hwloc' | 'nccl' | 'nvidia-smi';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['hwloc', 'nccl', 'nvidia-smi'];
