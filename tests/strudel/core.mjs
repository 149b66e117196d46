// @strudel/core 1.2.6 as published cannot be imported under node: its bundle
// (dist/index.mjs) takes `SalatRepl` from @kabelsalat/web, whose only
// published 0.4.x lacks it. The pattern engine itself does not need it, so
// haps.mjs points `@strudel/core` here: the package's own source modules,
// all but the browser REPL (repl.mjs).
export * from '@strudel/core/euclid.mjs';
export * from '@strudel/core/controls.mjs';
export * from '@strudel/core/hap.mjs';
export * from '@strudel/core/logger.mjs';
export * from '@strudel/core/pattern.mjs';
export * from '@strudel/core/pick.mjs';
export * from '@strudel/core/signal.mjs';
export * from '@strudel/core/state.mjs';
export * from '@strudel/core/timespan.mjs';
export * from '@strudel/core/util.mjs';
export { default as Fraction } from '@strudel/core/fraction.mjs';
