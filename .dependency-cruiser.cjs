// The import graph's rules, checked by `npm run lint` and test/unit/layers.test.ts:
// no circles (type-only imports included), and layers that point one way. A layer may import
// its own folder and any layer below it, never one above.
/** Lowest first. Each entry: a layer name and the folders (under src/) it holds. */
const LAYERS = [
  ['base', ['base']],
  ['metrics', ['metrics']],
  ['power', ['power']],
  ['protocols', ['protocols']],
  ['impair', ['impair']],
  ['result', ['result']],
  ['thresholds', ['thresholds']],
  ['dsl', ['dsl']],
  ['runner', ['runner']],
  ['live', ['live']],
  ['report', ['report', 'compare']],
  ['capacity', ['capacity']],
  // fleetbench merge: rebuilds a run from its shards with the runner's buildResult.
  ['merge', ['merge']],
  ['gateway', ['gateway']],
  // fleetbench probe: runs probe scenarios with the runner and reads their results.
  ['probe', ['probe']],
  ['app', ['cli', 'bench', '[^/]+\\.ts$']],
];

const folders = (list) => `^src/(${list.map((f) => (f.endsWith('$') ? f : `${f}/`)).join('|')})`;

const layerRules = LAYERS.slice(0, -1).map(([name, own], i) => ({
  name: `layer-${name}`,
  comment: `${name} (src/${own.join(', src/')}) sits below ${LAYERS.slice(i + 1)
    .map(([n]) => n)
    .join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: folders(own) },
  to: { path: folders(LAYERS.slice(i + 1).flatMap(([, f]) => f)) },
}));

/** Folders on the same layer stay out of each other (report and compare are siblings). */
const siblingRules = LAYERS.filter(([, own]) => own.length > 1).flatMap(([name, own]) =>
  own
    .filter((f) => !f.endsWith('$'))
    .map((f) => ({
      name: `sibling-${name}-${f}`,
      comment: `src/${f} must not import its siblings on the ${name} layer`,
      severity: 'error',
      from: { path: `^src/${f}/` },
      to: { path: folders(own.filter((o) => o !== f && !o.endsWith('$'))) },
    })),
);

module.exports = {

  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import circles make load order and layering fragile; type-only imports count too',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    ...siblingRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|test|scenarios|docs|reports)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
