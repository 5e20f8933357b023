/**
 * Import fidelity without the reference captures (issue 16): devices identified by PCI id first,
 * then by the name the source gives; hwloc's `subtype` trusted where config space read as zeros;
 * memory per NUMA node from hwloc; `memory unknown` from NCCL (reported once per socket, never per
 * VM); one host per `host_hash` of a multi-host NCCL dump. The inputs are cut down from the shapes
 * hwloc 2.x and NCCL 2.x write (hwloc's tests/hwloc/xml/nvidiaDGX2.xml, OCI's GB300 dump).
 */
import { describe, expect, it } from 'vitest';
import { importHost } from '../../../language/src/features/import/index.js';
import { messageText } from '../../../language/src/kernel/diagnostics.js';
import { build } from '../../support/util.js';

/** A two-package hwloc topology: a V100 SXM3 and two NVSwitches below PLX ports, one NVSwitch unreadable. */
const HWLOC = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE topology SYSTEM "hwloc2.dtd">
<topology version="2.0">
  <object type="Machine" os_index="0" cpuset="0x00000f0f" nodeset="0x00000003">
    <info name="DMIProductName" value="NVIDIA DGX-2H"/>
    <object type="Package" os_index="0" cpuset="0x0000000f" nodeset="0x00000001">
      <info name="CPUModel" value="Intel(R) Xeon(R) CPU E5-2650 0 @ 2.00GHz"/>
      <object type="NUMANode" os_index="0" cpuset="0x0000000f" nodeset="0x00000001" local_memory="68719476736"/>
      <object type="Core" os_index="0" cpuset="0x0000000f"><object type="PU" os_index="0" cpuset="0x0000000f"/></object>
      <object type="Bridge" bridge_type="0-1" depth="0" bridge_pci="0000:[2b-3b]">
        <object type="Bridge" bridge_type="1-1" depth="1" pci_busid="0000:2b:00.0" pci_type="0604 [8086:2030] [8086:0000] 04 00" pci_link_speed="15.753846">
          <object type="Bridge" bridge_type="1-1" depth="2" pci_busid="0000:2c:00.0" pci_type="0604 [10b5:9781] [10b5:9781] b0 00" pci_link_speed="15.753846">
            <object type="Bridge" bridge_type="1-1" depth="3" pci_busid="0000:2d:04.0" pci_type="0604 [10b5:9781] [10b5:9781] b0 00" pci_link_speed="15.753846">
              <object type="PCIDev" pci_busid="0000:34:00.0" pci_type="0302 [10de:1db8] [10de:131d] a1 00" pci_link_speed="15.753846">
                <object type="OSDev" name="nvml0" osdev_type="12"><info name="GPUModel" value="Tesla V100-SXM3-32GB-H"/></object>
              </object>
            </object>
            <object type="Bridge" bridge_type="1-1" depth="3" pci_busid="0000:2d:10.0" pci_type="0604 [10b5:9781] [10b5:9781] b0 00" pci_link_speed="3.938462">
              <object type="PCIDev" subtype="NVSwitch" pci_busid="0000:61:00.0" pci_type="0680 [10de:1ac2] [0000:0000] a1 00" pci_link_speed="1.000000"/>
              <object type="PCIDev" subtype="NVSwitch" pci_busid="0000:66:00.0" pci_type="0000 [0000:0000] [0000:0000] 00 00" pci_link_speed="1.000000"/>
              <object type="PCIDev" pci_busid="0000:67:00.0" pci_type="0302 [10de:3182] [10de:0000] a1 00" pci_link_speed="15.753846">
                <object type="OSDev" name="nvml1" osdev_type="12"><info name="GPUModel" value="NVIDIA B300 SXM6 AC"/></object>
              </object>
            </object>
          </object>
        </object>
      </object>
    </object>
    <object type="Package" os_index="1" cpuset="0x00000f00" nodeset="0x00000002">
      <info name="CPUModel" value="Intel(R) Xeon(R) CPU E5-2650 0 @ 2.00GHz"/>
      <object type="NUMANode" os_index="1" cpuset="0x00000f00" nodeset="0x00000002" local_memory="34359738368"/>
      <object type="Core" os_index="8" cpuset="0x00000f00"><object type="PU" os_index="8" cpuset="0x00000f00"/></object>
    </object>
  </object>
</topology>
`;

describe('hwloc: identity by PCI id, subtype trusted, memory per node', () => {
    const result = importHost([{ file: 'dgx2.xml', text: HWLOC }]);

    it('names the GPU by its id (1db8 = V100 SXM3 32GB), not by NVML\'s name; an id the catalog lacks is written as the id, the name in the comment', () => {
        expect(result.text).toMatch(/gpu gpu0 "V100 SXM3 32GB" at 0000:34:00\.0 link 8 GT\/s x16/);
        expect(result.text).toMatch(/gpu gpu1 "10de:3182" at 0000:67:00\.0 .*\/\/ PCI 10de:3182; "NVIDIA B300 SXM6 AC"/);
    });

    it('keeps the NVSwitch whose config space read as zeros, by hwloc\'s subtype, with a comment, of its siblings\' generation', () => {
        expect(result.text).toMatch(/nvswitch nvswitch0 "NVSwitch Gen1" at 0000:61:00\.0 +\/\/ PCI 10de:1ac2$/m);
        expect(result.text).toMatch(/nvswitch nvswitch1 "NVSwitch Gen1" at 0000:66:00\.0 +\/\/ config space unread \(class 0000, id 0000:0000\): identified by hwloc's subtype NVSwitch; model: that of the host's other NVSwitches$/m);
        expect(result.counts.nvswitches).toBe(2);
    });

    it('writes each NUMA node\'s memory from local_memory and the CPU as the catalog names it', () => {
        expect(result.text).toMatch(/socket numa0 \{ numa 0 cores 0-3 memory 64 GiB \}/);
        expect(result.text).toMatch(/socket numa1 \{ numa 1 cores 8-11 memory 32 GiB \}/);
        expect(result.text).toMatch(/^ {4}cpu "Xeon E5-2650"$/m);
    });

    it('checks with no error: one CAT001 warning naming the id the catalog lacks', async () => {
        const ds = (await build(result.text)).diagnostics();
        expect(ds.filter(d => d.severity === 1)).toEqual([]);
        expect(ds.map(d => `${String(d.code)} ${d.severity}`)).toEqual(['CAT001 2']);
        expect(messageText(ds[0])).toMatch(/^GPU with PCI id 10de:3182 is not in the catalog/);
    });

    it('a GPU and a NIC whose config space read as zeros are kept by their OS devices, the GPU\'s model by NVML\'s name', () => {
        const unread = HWLOC.replace('pci_type="0302 [10de:1db8] [10de:131d] a1 00"', 'pci_type="0000 [0000:0000] [0000:0000] 00 00"')
            .replace('<object type="PCIDev" subtype="NVSwitch" pci_busid="0000:61:00.0"', '<object type="PCIDev" pci_busid="0000:62:00.0" pci_type="0000 [0000:0000] [0000:0000] 00 00"><object type="OSDev" name="mlx5_4" osdev_type="48"/></object>\n<object type="PCIDev" subtype="NVSwitch" pci_busid="0000:61:00.0"');
        const text = importHost([{ file: 'x.xml', text: unread }]).text;
        expect(text).toMatch(/gpu gpu0 "V100 SXM3 32GB" at 0000:34:00\.0 .*\/\/ config space unread \(class 0000, id 0000:0000\): identified by hwloc's OS device nvml0/);
        expect(text).toMatch(/nic mlx5_4 "unknown" at 0000:62:00\.0 .*\/\/ config space unread \(class 0000, id 0000:0000\): identified by hwloc's OS device mlx5_4/);
    });

    it('an NVSwitch identified only by subtype, on a host without other NVSwitches, is written without a model', () => {
        const alone = HWLOC.replace(/<object type="PCIDev" subtype="NVSwitch" pci_busid="0000:61:00.0"[^>]*\/>/, '');
        expect(importHost([{ file: 'x.xml', text: alone }]).text).toMatch(/nvswitch nvswitch0 at 0000:66:00\.0 +\/\/ config space unread/);
    });
});

/** Two hosts of one MNNVL NCCL dump (host_hash), each one NUMA node with a GPU and a NIC. */
const NCCL = `<system version="1">
  <cpu host_hash="0xaa" numaid="0" affinity="0000ffff" arch="x86_64" vendor="GenuineIntel" familyid="6" modelid="143">
    <pci busid="0000:18:00.0" class="0x060400" vendor="0x1000" device="0xc030" link_speed="32.0 GT/s PCIe" link_width="16">
      <pci busid="0000:19:00.0" class="0x030200" vendor="0x10de" device="0x2330" link_speed="32.0 GT/s PCIe" link_width="16"/>
      <pci busid="0000:1a:00.0" class="0x020700" vendor="0x15b3" device="0x1021" link_speed="32.0 GT/s PCIe" link_width="16"/>
    </pci>
  </cpu>
  <cpu host_hash="0xbb" numaid="0" affinity="0000ffff" arch="x86_64" vendor="GenuineIntel" familyid="6" modelid="143">
    <pci busid="0000:18:00.0" class="0x060400" vendor="0x1000" device="0xc030" link_speed="32.0 GT/s PCIe" link_width="16">
      <pci busid="0000:19:00.0" class="0x030200" vendor="0x10de" device="0x2331" link_speed="32.0 GT/s PCIe" link_width="16"/>
      <pci busid="0000:1a:00.0" class="0x020700" link_speed="32.0 GT/s PCIe" link_width="16"/>
    </pci>
  </cpu>
</system>
`;

describe('NCCL: one host per host_hash, memory unknown', () => {
    const result = importHost([{ file: 'mnnvl.xml', text: NCCL }]);

    it('imports every host of the dump, each named after the file with its position', () => {
        expect(result.hosts.map(h => h.name)).toEqual(['mnnvl-1', 'mnnvl-2']);
        expect(result.text).toMatch(/host mnnvl-1 \{[^]*gpu gpu0 "H100 SXM5 80GB" at 0000:19:00\.0/);
        expect(result.text).toMatch(/host mnnvl-2 \{[^]*gpu gpu0 "H100 PCIe 80GB" at 0000:19:00\.0[^]*nic nic0 "unknown" at 0000:1a:00\.0/);
        expect(result.counts).toMatchObject({ gpus: 2, nics: 2, numaNodes: 2 });
    });

    it('writes `memory unknown`: check says so once per socket, and judges no VM bound there', async () => {
        expect(result.text.match(/ memory unknown \}/g)).toHaveLength(2);
        const text = `${result.text}
vm a on mnnvl-1 {
    vcpus 2 pin 0,1
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
    mmio 256 GiB
}
vm b on mnnvl-1 {
    vcpus 2 pin 2,3
    memory 64 GiB on numa 0
}
`;
        const ds = (await build(text)).diagnostics();
        expect(ds.filter(d => d.severity === 1).map(d => `${String(d.code)} ${messageText(d)}`)).toEqual([]);
        const memory = ds.filter(d => d.code === 'LOC004');
        expect(memory.map(d => messageText(d))).toEqual([
            'Memory of NUMA 0 (socket numa0 of mnnvl-1) not known: write its size from `numactl -H` or hwloc (`lstopo --of xml`, then `vmtopo import`); until then no VM\'s memory is checked against it.',
            'Memory of NUMA 0 (socket numa0 of mnnvl-2) not known: write its size from `numactl -H` or hwloc (`lstopo --of xml`, then `vmtopo import`); until then no VM\'s memory is checked against it.'
        ]);
    });
});
