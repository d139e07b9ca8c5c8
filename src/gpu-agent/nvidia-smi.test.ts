import { describe, expect, it } from 'vitest';
import { GpuStatsPost } from '../shared/api-contract.js';
import { parseNvidiaSmi, runCommand } from './nvidia-smi.js';

// Recorded `nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw --format=csv,noheader,nounits`.
const B200_X8 = `0, NVIDIA B200, 97, 171234, 183359, 61, 903.47
1, NVIDIA B200, 96, 171230, 183359, 63, 911.02
2, NVIDIA B200, 98, 171230, 183359, 60, 897.88
3, NVIDIA B200, 95, 171230, 183359, 64, 920.15
4, NVIDIA B200, 97, 171230, 183359, 59, 889.60
5, NVIDIA B200, 97, 171230, 183359, 62, 905.33
6, NVIDIA B200, 96, 171230, 183359, 61, 899.91
7, NVIDIA B200, 99, 171230, 183359, 65, 930.04
`;

const WITH_NA = `0, NVIDIA H100 80GB HBM3, 0, 1, 81559, 34, [N/A]\r
1, NVIDIA GH200 480GB, [N/A], [N/A], [N/A], 41, 155.21\r
2, NVIDIA A100-SXM4-40GB, [Not Supported], 4, 40960, [Unknown Error], ERR!\r
`;

describe('parseNvidiaSmi', () => {
  it('parses an 8-GPU host', () => {
    const { gpus, problems } = parseNvidiaSmi(B200_X8);
    expect(problems).toEqual([]);
    expect(gpus.length).toBe(8);
    expect(gpus[0]).toEqual({ index: 0, name: 'NVIDIA B200', utilization_pct: 97, memory_used_mib: 171234, memory_total_mib: 183359, temperature_c: 61, power_w: 903.47 });
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(GpuStatsPost.safeParse({ host: 'h', gpus }).success).toBe(true);
  });

  it('turns [N/A], [Not Supported], ERR! and other non-numbers into null (CRLF too)', () => {
    const { gpus, problems } = parseNvidiaSmi(WITH_NA);
    expect(problems).toEqual([]);
    expect(gpus).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', utilization_pct: 0, memory_used_mib: 1, memory_total_mib: 81559, temperature_c: 34, power_w: null },
      { index: 1, name: 'NVIDIA GH200 480GB', utilization_pct: null, memory_used_mib: null, memory_total_mib: null, temperature_c: 41, power_w: 155.21 },
      { index: 2, name: 'NVIDIA A100-SXM4-40GB', utilization_pct: null, memory_used_mib: 4, memory_total_mib: 40960, temperature_c: null, power_w: null },
    ]);
    expect(GpuStatsPost.safeParse({ gpus }).success).toBe(true);
  });

  it('tolerates units, and nulls values the gateway would refuse', () => {
    const { gpus } = parseNvidiaSmi('0, Tesla T4, 45 %, 300 MiB, 15360 MiB, 50, 27.5 W\n1, Tesla T4, 250, 1, 2, -3, 1e3\n');
    expect(gpus[0]).toMatchObject({ utilization_pct: 45, memory_used_mib: 300, memory_total_mib: 15360, power_w: 27.5 });
    expect(gpus[1]).toMatchObject({ utilization_pct: null, temperature_c: null, power_w: null });
  });

  it('keeps a name with commas whole', () => {
    expect(parseNvidiaSmi('3, Weird, Inc. GPU, 1, 2, 3, 4, 5\n').gpus[0]).toMatchObject({ index: 3, name: 'Weird, Inc. GPU', utilization_pct: 1, power_w: 5 });
  });

  it('skips and reports bad lines without throwing', () => {
    const out = `No devices were found
Unable to determine the device handle for GPU0000:1B:00.0: Unknown Error
0, NVIDIA B200, 97, 1, 2, 3, 4
x, NVIDIA B200, 1, 1, 2, 3, 4
0, NVIDIA B200, 1, 1, 2, 3, 4
1, NVIDIA B200, 1, 1

`;
    const { gpus, problems } = parseNvidiaSmi(out);
    expect(gpus.map((g) => g.index)).toEqual([0]);
    expect(problems).toEqual([
      'line 1: expected 7 fields, got 1: "No devices were found"',
      'line 2: expected 7 fields, got 1: "Unable to determine the device handle for GPU0000:1B:00.0: Unknown Error"',
      'line 4: bad or repeated GPU index "x"',
      'line 5: bad or repeated GPU index "0"',
      'line 6: expected 7 fields, got 4: "1, NVIDIA B200, 1, 1"',
    ]);
    expect(parseNvidiaSmi('')).toEqual({ gpus: [], problems: [] });
  });
});

describe('runCommand', () => {
  it('says a command that hangs past the timeout was stopped, and passes other failures on', async () => {
    await expect(runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], 300)).rejects.toThrow(`${process.execPath} did not answer within 0.3 s and was stopped`);
    await expect(runCommand(process.execPath, ['-e', 'process.exit(3)'])).rejects.toThrow(/^Command failed/);
    await expect(runCommand(process.execPath, ['-e', 'process.stdout.write("ok")'])).resolves.toBe('ok');
  });
});
