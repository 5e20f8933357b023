/**
 * The bounds of the vmtopo language: the largest numbers, lists, names and files it accepts. Each
 * is a real ceiling of the platform it describes (with its source) or a stated maximum far above
 * any real server, so that the cost of checking a file never depends on the numbers written in it
 * and hostile text gets a located error instead of a crash, a hang or an exhausted heap.
 */
import { NAME_MAX_BYTES } from '../kernel/files.js';

/**
 * Highest CPU id: Linux on x86-64 supports at most 8192 CPUs (`NR_CPUS`, range end 8192 with
 * `MAXSMP`/`CPUMASK_OFFSTACK`, arch/x86/Kconfig `NR_CPUS_RANGE_END`,
 * https://github.com/torvalds/linux/blob/master/arch/x86/Kconfig), so ids are 0–8191.
 */
export const MAX_CPU_ID = 8191;

/**
 * Highest NUMA node id: Linux `MAX_NUMNODES = 1 << NODES_SHIFT` with `NODES_SHIFT` at most 10 on
 * x86-64 (arch/x86/Kconfig `NODES_SHIFT`, range 1–10), so ids are 0–1023.
 */
export const MAX_NUMA_ID = 1023;

/**
 * vCPUs of one VM: QEMU's q35 machine accepts at most 4096 (QEMU 9.0, commit e4e98c7eebfa
 * "pc: q35: Bump max_cpus to 4096 vcpus"; docs/system/target-i386-desc.rst.inc,
 * https://www.qemu.org/docs/master/system/target-i386.html), which is also KVM's `KVM_MAX_VCPUS`
 * on x86 (arch/x86/include/asm/kvm_host.h). libvirt passes `<vcpu>` to QEMU unchanged.
 */
export const MAX_VCPUS = 4096;

/**
 * Most vCPUs a guest can address with 8-bit xAPIC ids; above it the domain needs
 * `<ioapic driver='qemu'/>` and `<iommu model='intel'><driver intremap='on' eim='on'/></iommu>`
 * (libvirt's domain format, "features" and "IOMMU devices",
 * https://libvirt.org/formatdomain.html; QEMU refuses more than 255 vCPUs without x2APIC
 * interrupt remapping).
 */
export const MAX_XAPIC_VCPUS = 255;

/**
 * QEMU's default 64-bit PCI hole of the q35 machine, in GiB (`Q35_PCI_HOST_HOLE64_SIZE_DEFAULT`,
 * 1 << 35 bytes, qemu `include/hw/i386/pc.h`, https://gitlab.com/qemu-project/qemu). KubeVirt leaves
 * it in place: its converter writes `<pcihole64>` only to disable the hole (annotation
 * `kubevirt.io/disablePCIHole64`), and a size override is an open proposal
 * (https://github.com/kubevirt/kubevirt/pull/18013). Rule KVIRT002 and the KubeVirt export use it.
 */
export const QEMU_Q35_DEFAULT_MMIO64_GIB = 32;

/**
 * Largest size (memory, MMIO window, hugepage) in MiB: 4 PiB = 2^52 bytes, the largest physical
 * address space of x86-64 (MAXPHYADDR is at most 52 bits; Intel SDM Vol. 3A §4.1.4,
 * https://www.intel.com/content/www/us/en/developer/articles/technical/intel-sdm.html).
 */
export const MAX_SIZE_MIB = 2 ** 32;

/**
 * SR-IOV counters are 16-bit registers of the SR-IOV extended capability: NumVFs, First VF Offset
 * and VF Stride (PCI Express Base Specification 6.0, §9.3.3.7–§9.3.3.10; Linux
 * `include/uapi/linux/pci_regs.h` `PCI_SRIOV_NUM_VF`, `PCI_SRIOV_VF_OFFSET`, `PCI_SRIOV_VF_STRIDE`).
 */
export const MAX_SRIOV_FIELD = 0xffff;

/** HGX module ids (Fabric Manager's physical GPU ids) are small; 0–255 is far above any board. */
export const MAX_MODULE_ID = 255;

/** NIC port speed in Gb/s: 10 Tb/s, far above any Ethernet or InfiniBand port (IEEE 802.3dj: 1.6 Tb/s). */
export const MAX_PORT_SPEED_GBPS = 10_000;

/**
 * PCIe switches nest at most this deep (a host's switches, switches in switches…). Real servers
 * have two or three levels; the bound keeps every recursive walk (parser, model, exporters) far
 * from the stack limit.
 */
export const MAX_SWITCH_DEPTH = 32;

/** Blocks `{ … }` nest at most this deep: a host, then {@link MAX_SWITCH_DEPTH} switches. */
export const MAX_BLOCK_DEPTH = MAX_SWITCH_DEPTH + 1;

/**
 * Bytes in one file name: Linux `NAME_MAX` (include/uapi/linux/limits.h,
 * https://github.com/torvalds/linux/blob/master/include/uapi/linux/limits.h).
 */
export { NAME_MAX_BYTES };

/**
 * The longest name the language accepts, and why: names (hosts, VMs, sockets, switches, devices)
 * become export file names `<name><suffix>`, so a name has at most {@link NAME_MAX_BYTES} less the
 * longest suffix of the export formats (names are ASCII: one byte per character). The suffixes come
 * from the export-format registry (features/export/formats.ts), wired in by vmtopo-module.ts.
 */
export interface NameLimit {
    /** The most characters a name may have. */
    readonly maxLength: number;
    /** The longest export file-name suffix, which sets {@link maxLength} (e.g. `.nccl-topo.xml`). */
    readonly longestSuffix: string;
}

/**
 * The {@link NameLimit} for export files named `<name><suffix>` with these suffixes: 255 bytes less
 * the longest suffix's bytes (the first of equally long ones). Throws when `suffixes` is empty or a
 * suffix leaves no room for a name.
 */
export function nameLimitFor(suffixes: readonly string[]): NameLimit {
    if (suffixes.length === 0) throw new Error('nameLimitFor: no file-name suffix');
    const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
    const longestSuffix = suffixes.reduce((a, b) => (bytes(b) > bytes(a) ? b : a));
    const maxLength = NAME_MAX_BYTES - bytes(longestSuffix);
    if (maxLength < 1) throw new Error(`nameLimitFor: the suffix '${longestSuffix}' leaves no room for a name`);
    return { maxLength, longestSuffix };
}

/** Largest file vmtopo reads: 8 MiB (a 64-host fleet is about 0.3 MiB). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** Most lines in one file (a 64-host fleet is about 7,000 lines). */
export const MAX_FILE_LINES = 200_000;

/** Lexing errors reported per file; one more says how many were left out. */
export const MAX_LEXER_ERRORS = 100;

/**
 * Checks that `value` is an integer in `[min, max]`; `what` names it in the message
 * (`vcpus 0: expected an integer from 1 to 4096`). `written` is the number as the user wrote it
 * (the CST text), used in messages instead of JavaScript's rendering (`1e+21`).
 */
export function checkInteger(value: number | undefined, min: number, max: number, what: string, written?: string):
    { ok: true; value: number } | { ok: false; message: string } {
    const shown = written ?? String(value);
    if (value === undefined || !/^\d+$/.test(shown)) {
        return { ok: false, message: `${what} ${shown}: expected a whole number from ${min} to ${max}` };
    }
    if (!Number.isSafeInteger(value) || value < min || value > max) {
        return { ok: false, message: `${what} ${shown} is out of range: expected ${min} to ${max}` };
    }
    return { ok: true, value };
}
