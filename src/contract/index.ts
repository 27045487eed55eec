/**
 * The one contract between the UI and everything behind it.
 *
 * Every request the renderer can make (its channel name, the payload schema checked at run
 * time, the result type) and every event it can receive is declared here. Electron main,
 * the preload, the web-mode server, the renderer's bridge, the engine and the tests all
 * derive from these maps; tests fail when a channel has no handler or a handler no channel.
 *
 * Two kinds of request:
 *  - engine requests run in the engine process (src/engine.ts): model work, files, datasets;
 *  - shell requests are OS work done by the host of the window: native dialogs (Electron
 *    main), or their web-mode stand-ins (src/server).
 */
export * from './shared';
export * from './data';
export * from './train';
export * from './project';
export * from './latent';
export * from './export';
export * from './requests';
export * from './events';
export * from './transport';
