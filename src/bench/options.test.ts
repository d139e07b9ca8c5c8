import { describe, expect, it } from 'vitest';
import { chooseLayout, parseCpuList } from './cpu-layout.js';
import { BenchOptionError, parseCases, resolveBenchOptions } from './options.js';

describe('bench options', () => {
  it('defaults to the full run', () => {
    const o = resolveBenchOptions({});
    expect([o.cases, o.reps, o.durationS, o.streams, o.manyStreams, o.pin, o.load]).toEqual([['1', '2', '3', '4', '5', '6'], 3, 10, 1000, 10_000, true, 'auto']);
  });
  it('--quick picks small counts, explicit flags still win', () => {
    const o = resolveBenchOptions({ quick: true, reps: '2' });
    expect([o.reps, o.durationS, o.streams, o.manyStreams, o.bodyIterations]).toEqual([2, 3, 100, 500, 3]);
  });
  it('sorts and deduplicates cases', () => {
    expect(parseCases('5, 1,5')).toEqual(['1', '5']);
  });
  it('names the bad flag', () => {
    expect(() => parseCases('1,7')).toThrow(new BenchOptionError('--cases takes a comma-separated list of 1, 2, 3, 4, 5, 6 (got "7")'));
    expect(() => resolveBenchOptions({ reps: '0' })).toThrow('--reps must be an integer from 1 to 100');
    expect(() => resolveBenchOptions({ duration: 'x' })).toThrow('--duration must be a number from 1 to 3600');
    expect(() => resolveBenchOptions({ load: 'ab' })).toThrow('--load must be auto, wrk or autocannon');
  });
});

describe('CPU layout', () => {
  it('parses CPU lists', () => {
    expect(parseCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
  });
  it('gives the proxy a core of its own', () => {
    expect(chooseLayout([0, 1], true)).toMatchObject({ proxy: '1', backend: '0', load: '0' });
    expect(chooseLayout([0, 1, 2, 3], true)).toMatchObject({ proxy: '1', backend: '0', load: '2,3' });
    expect(chooseLayout([0, 1], false)).toMatchObject({ proxy: undefined, backend: undefined, load: undefined });
    expect(chooseLayout([0], true).proxy).toBeUndefined();
  });
});

describe('soak options', () => {
  it('takes minutes (fractions allowed) and a client count, off by default', () => {
    expect(resolveBenchOptions({}).soakMinutes).toBeUndefined();
    const o = resolveBenchOptions({ soak: '10', 'soak-clients': '16' });
    expect([o.soakMinutes, o.soakClients]).toEqual([10, 16]);
    expect(resolveBenchOptions({ soak: '0.5' }).soakClients).toBe(32);
    expect(() => resolveBenchOptions({ soak: '0' })).toThrow('--soak must be a number from 0.5 to 1440');
    expect(() => resolveBenchOptions({ soak: 'x' })).toThrow(BenchOptionError);
  });
});

describe('gateway node flags', () => {
  it('splits Node options for the gateways, none by default, and refuses anything else', () => {
    expect(resolveBenchOptions({}).gatewayNodeFlags).toEqual([]);
    expect(resolveBenchOptions({ 'gateway-node-flags': ' --trace-gc  --inspect=127.0.0.1:9229 ' }).gatewayNodeFlags).toEqual(['--trace-gc', '--inspect=127.0.0.1:9229']);
    expect(() => resolveBenchOptions({ 'gateway-node-flags': '--trace-gc -e x' })).toThrow('--gateway-node-flags takes Node options, each starting with -- (got "-e")');
  });
});

describe('fleet options', () => {
  it('--fleet with its session and turn counts (smaller with --quick)', () => {
    expect(resolveBenchOptions({}).fleet).toBe(false);
    const o = resolveBenchOptions({ fleet: true });
    expect([o.fleet, o.fleetSessions, o.fleetTurns]).toEqual([true, 48, 12]);
    const q = resolveBenchOptions({ fleet: true, quick: true, 'fleet-turns': '4' });
    expect([q.fleetSessions, q.fleetTurns]).toEqual([16, 4]);
    expect(() => resolveBenchOptions({ 'fleet-sessions': '0' })).toThrow('--fleet-sessions must be an integer from 1 to 1000');
    expect(o.fleetMaxNumSeqs).toBe(0);
    expect(resolveBenchOptions({ fleet: true, 'fleet-max-num-seqs': '6' }).fleetMaxNumSeqs).toBe(6);
    expect(() => resolveBenchOptions({ 'fleet-max-num-seqs': '-1' })).toThrow('--fleet-max-num-seqs must be an integer from 0 to 100000');
  });
});
