import { Menu, app, shell, type MenuItemConstructorOptions } from 'electron';
import type { MenuEvent } from '../src/contract';

export interface MenuActions {
  newWindow: () => void;
  /** Send a command to the focused window's renderer, which runs it like its own button. */
  send: (event: MenuEvent) => void;
  /** Recently opened projects (name and folder), newest first. */
  recent: () => Promise<Array<{ name: string; dir: string }>>;
}

/** The app menu: project commands plus standard roles, so shortcuts match each platform. */
export async function buildMenu(actions: MenuActions): Promise<void> {
  const isMac = process.platform === 'darwin';
  const recent = await actions.recent().catch(() => []);
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => actions.send({ command: 'project.new' }) },
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.send({ command: 'project.open' }) },
        {
          label: 'Open Recent',
          submenu: recent.length
            ? recent.map((r) => ({ label: `${r.name} — ${r.dir}`, click: () => actions.send({ command: 'project.open', dir: r.dir }) }))
            : [{ label: 'No recent projects', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => actions.send({ command: 'project.save' }) },
        { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.send({ command: 'project.saveAs' }) },
        { type: 'separator' },
        { label: 'Import Images…', accelerator: 'CmdOrCtrl+O', click: () => actions.send({ command: 'dataset.import' }) },
        { type: 'separator' },
        { label: 'New Window', accelerator: 'CmdOrCtrl+Shift+N', click: actions.newWindow },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools', visible: !app.isPackaged },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Keyboard Shortcuts', accelerator: 'Shift+/', click: () => actions.send({ command: 'help.shortcuts' }) },
        { label: 'What is a VAE?', click: () => void shell.openExternal('https://arxiv.org/abs/1312.6114') },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
