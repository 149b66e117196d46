// The query benchmark's reference set (benchmarks/query.py) asked of Strudel
// itself: the pinned packages in tests/strudel/node_modules (installed by
// scripts/bench), loaded as tests/strudel/haps.mjs loads them. Reads
// {"cycles": n, "repeats": r, "patterns": {name: JavaScript expression}} as
// JSON on stdin; each expression may name `mini`, `sine` and `stack`. Each
// pattern is asked cycle by cycle, as query.py asks TrackJammer: the haps of
// [c, c + 1), those with an onset kept and sorted by onset. Writes
// {name: [events, best seconds]}.
import { register } from 'node:module';

const strudel = new URL('../tests/strudel/', import.meta.url);
register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
      if (specifier === '@strudel/core') return { url: ${JSON.stringify(new URL('core.mjs', strudel).href)}, shortCircuit: true };
      return next(specifier, context);
    }`),
);
const { mini } = await import(new URL('node_modules/@strudel/mini/mini.mjs', strudel).href);
const { sine, stack } = await import('@strudel/core');

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const { cycles, repeats, patterns } = JSON.parse(input);

const byOnset = (a, b) => a.whole.begin.compare(b.whole.begin);

const results = {};
for (const [name, expression] of Object.entries(patterns)) {
  const pattern = new Function('mini', 'sine', 'stack', `return ${expression};`)(mini, sine, stack);
  let best = Infinity;
  let count = 0;
  for (let run = 0; run < repeats; run++) {
    count = 0;
    const start = process.hrtime.bigint();
    for (let cycle = 0; cycle < cycles; cycle++) {
      const found = pattern.queryArc(cycle, cycle + 1).filter((hap) => hap.hasOnset());
      found.sort(byOnset);
      count += found.length;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  results[name] = [count, best];
}
process.stdout.write(JSON.stringify(results));
