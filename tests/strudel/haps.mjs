// Strudel's own reading of mini-notation, for tests/strudel/test_differential.py.
// Reads {"patterns": [text...], "spans": [["0","1"], ["1/3","7/3"]...]} as JSON
// on stdin (with "js": true, each text is a JavaScript expression over
// Strudel's core functions and `m` for mini, as m("c4 e4").press()); writes,
// for each pattern, either {"error": message} or
// {"spans": [[hap...]...]}, a hap being [whole begin, whole end, part begin,
// part end, value] with exact fractions as strings ("7/3") and note names as
// MIDI numbers. One process answers a whole batch.
import { register } from 'node:module';

// Resolve `@strudel/core` to core.mjs (see there why), then load Strudel.
register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
      if (specifier === '@strudel/core') return { url: ${JSON.stringify(new URL('./core.mjs', import.meta.url).href)}, shortCircuit: true };
      return next(specifier, context);
    }`),
);
const { mini } = await import('@strudel/mini/mini.mjs');
const { Fraction, noteToMidi } = await import('@strudel/core');

const text = (f) => (f === undefined ? null : Fraction(f).toFraction());

function value(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    try {
      return noteToMidi(v);
    } catch {
      return `word:${v}`;
    }
  }
  return `other:${JSON.stringify(v)}`;
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const { patterns, spans, js } = JSON.parse(input);
console.log = (...words) => console.error(...words); // Strudel's logger would mix its words into our answer
const core = await import('@strudel/core');
if (js) await import('@strudel/tonal/tonal.mjs'); // scale …: a method of every pattern once loaded
const names = Object.keys(core).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
const evaluate = (expression) => new Function('m', ...names, `return (${expression});`)(mini, ...names.map((n) => core[n]));
const results = patterns.map((pattern) => {
  try {
    const pat = js ? evaluate(pattern) : mini(pattern);
    return {
      spans: spans.map(([begin, end]) =>
        pat
          .queryArc(Fraction(begin), Fraction(end))
          .map((hap) => [
            text(hap.whole?.begin),
            text(hap.whole?.end),
            text(hap.part.begin),
            text(hap.part.end),
            value(hap.value),
          ]),
      ),
    };
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
});
process.stdout.write(JSON.stringify(results));
