// A burst of objects from one literal that all stay alive across young collections (as the first
// requests of a load do), then many that die at once. Run with --trace-pretenuring-statistics: V8
// prints a `pretenuring:` line for each collection whose feedback it digests. With `stop`, it
// first turns pretenuring off as `serve` does. Prints the outcome as JSON.
import { stopPretenuring } from '../../src/server/pretenuring.js';

const outcome = process.argv[2] === 'stop' ? stopPretenuring() : 'default';
const make = (i: number): { id: number; at: number; list: number[] } => ({ id: i, at: i * 2, list: [i, i + 1] });
let waiting: object[] = [];
for (let round = 0; round < 20; round++) {
  for (let i = 0; i < 5000; i++) waiting.push(make(i));
  await new Promise((resolve) => setImmediate(resolve));
}
waiting = [];
let sum = 0;
for (let i = 0; i < 1_000_000; i++) {
  sum += make(i).at;
  if (i % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${JSON.stringify({ outcome, sum: sum > 0 })}\n`);
