/**
 * Import rules that hold for the code as it is: `npx depcruise src electron renderer`
 * checks them, and tests/integration/tooling/import-rules.test.ts fails on any violation.
 * Each rule says why it exists; a rule that no longer matches the layout is changed here, not
 * silenced in the code.
 */

/** What the renderer may import from src/: the contract and the few type-only or data-only
 * modules that travel with it (candidates to move into src/contract/). */
const RENDERER_MAY_IMPORT = '^src/(contract/[a-z-]+|contract|errors|server/wire|train/presets)\\.ts$';

/** The libraries below the engine's channels, and the npm packages only the engine may load. */
const ENGINE_LIBRARIES = '^src/(backend|data|model|train|latent|export|project)/';
const ENGINE_PACKAGES = '^node_modules/(@tensorflow|sharp|@img)/';

/** The only modules that write run records into project.json (the engine's side of seam 1). */
const RUN_RECORD_WRITERS = '^src/(project/project|project/project-file|project/run-recorder|handlers/train)\\.ts$';

/** The contract handlers' floor (one file per contract domain) and the one module above it, the engine's handler table. */
const HANDLERS = '^src/handlers/';
const HANDLER_TABLE = '^src/engine\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter and hides which layer depends on which.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'renderer-imports-only-the-contract',
      comment: 'The renderer talks to the engine through the contract (window.atlas / WebSocket), never by importing engine code.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^src/', pathNot: RENDERER_MAY_IMPORT },
    },
    {
      name: 'renderer-shared-modules-stay-light',
      comment: 'What the renderer imports from src/ is bundled into the page: it may use zod and itself, nothing from Node or the engine.',
      severity: 'error',
      from: { path: RENDERER_MAY_IMPORT },
      to: { pathNot: `${RENDERER_MAY_IMPORT}|^node_modules/zod/` },
    },
    {
      name: 'renderer-never-writes-run-records',
      comment: 'Run records are the engine\'s alone (one writer, derived from the checkpoint); the renderer sends intents and reads them back.',
      severity: 'error',
      from: { path: '^(renderer|electron)/' },
      to: { path: RUN_RECORD_WRITERS, reachable: true },
    },
    {
      name: 'electron-never-loads-engine-libraries',
      comment: 'tfjs and sharp block their thread: they run in the engine process, never in Electron main or preload.',
      severity: 'error',
      from: { path: '^electron/' },
      to: { path: `${ENGINE_LIBRARIES}|${ENGINE_PACKAGES}`, reachable: true },
    },
    {
      name: 'model-never-imports-train',
      comment: 'The model (layers, likelihoods, objective) is below the training loop: train uses model, not the other way round.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/train/' },
    },
    {
      name: 'library-never-imports-a-handler',
      comment:
        'Handlers (src/handlers/) sit above the libraries and adapt a contract channel to library calls; only the handler table (src/engine.ts) imports them. What a library needs from a handler (a cache, a session, which run trains) belongs in a library.',
      severity: 'error',
      from: { path: '^(src|electron|renderer)/', pathNot: `${HANDLERS}|${HANDLER_TABLE}` },
      to: { path: HANDLERS },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|release|node_modules/\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
