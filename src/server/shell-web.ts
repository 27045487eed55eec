import { AtlasError } from '../errors';
import type { ShellHandlers } from '../host/handler';

/** Web mode has no native dialogs: the UI falls back to a path field when it gets 'unsupported'. */
export const webShellHandlers: ShellHandlers = {
  'shell.openFolder': async () => {
    throw new AtlasError('unsupported', 'Folder dialogs are not available in web mode: type the folder path (on the machine running the server) instead.');
  },
  'shell.reveal': async () => {
    throw new AtlasError('unsupported', 'Showing files is not available in web mode: the files are on the machine running the server, at the path shown.');
  },
  'shell.saveTo': async () => {
    throw new AtlasError('unsupported', 'Save dialogs are not available in web mode: type the output path (on the machine running the server) instead.');
  },
};
