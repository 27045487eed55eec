/**
 * Which Chromium the e2e tests (and the render bench) drive, found without any setup step:
 *  1. $CHROMIUM_PATH, when set (it must exist: a wrong path is an error, not a fallback);
 *  2. an installed Chromium or Chrome (Debian's /usr/bin/chromium and the usual places);
 *  3. the Chromium inside the @sparticuz/chromium devDependency, unpacked once into
 *     node_modules/.cache/latent-atlas-chromium-<version>/, with SwiftShader for WebGL 2.
 * LATENT_ATLAS_TEST_BROWSER=npm skips step 2 (to check the fallback on a machine that has a
 * system browser); =system refuses the fallback.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface FoundBrowser {
  executablePath: string;
  /** Where it came from, for messages: 'CHROMIUM_PATH', 'system' or 'npm'. */
  source: 'CHROMIUM_PATH' | 'system' | 'npm';
  /** Flags this browser needs on top of the common headless ones. */
  args: string[];
  /** Environment for the browser process (the npm build brings its own libraries and fonts). */
  env?: Record<string, string>;
}

const SYSTEM_BROWSERS: Record<string, string[]> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome'],
  darwin: ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
  win32: [
    `${process.env.ProgramFiles ?? 'C:\\Program Files'}\\Google\\Chrome\\Application\\chrome.exe`,
    `${process.env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)'}\\Google\\Chrome\\Application\\chrome.exe`,
  ],
};

/** A system browser renders WebGL through its own SwiftShader when there is no GPU. */
const SYSTEM_ARGS = ['--disable-gpu'];
/** The npm build is headless-shell: WebGL 2 needs ANGLE on SwiftShader, asked for explicitly. */
const NPM_ARGS = ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

let found: Promise<FoundBrowser> | null = null;

/** The browser to drive; throws an error that says what was tried and what to do. */
export function findBrowser(): Promise<FoundBrowser> {
  found ??= locateBrowser(process.env);
  return found;
}

/** findBrowser() without its cache, for an environment of the caller's choosing. */
export async function locateBrowser(env: NodeJS.ProcessEnv): Promise<FoundBrowser> {
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH is set to ${explicit}, which does not exist: point it at a Chromium or Chrome executable, or unset it to let the tests find one.`);
    return { executablePath: explicit, source: 'CHROMIUM_PATH', args: SYSTEM_ARGS };
  }
  const choice = env.LATENT_ATLAS_TEST_BROWSER ?? 'auto';
  if (!['auto', 'system', 'npm'].includes(choice)) throw new Error(`LATENT_ATLAS_TEST_BROWSER is "${choice}": use auto, system or npm.`);
  const tried: string[] = [];
  if (choice !== 'npm') {
    const candidates = SYSTEM_BROWSERS[process.platform] ?? [];
    const system = candidates.find((c) => existsSync(c));
    if (system) return { executablePath: system, source: 'system', args: SYSTEM_ARGS };
    tried.push(`no installed browser at ${candidates.join(', ') || '(no known places on this platform)'}`);
  }
  if (choice !== 'system') {
    try {
      return unpackNpmChromium();
    } catch (err) {
      tried.push(`the npm Chromium (@sparticuz/chromium) failed: ${(err as Error).message}`);
    }
  }
  throw new Error(`No browser for the end-to-end tests: ${tried.join('; ')}. Run "npm install" (it installs @sparticuz/chromium, Linux x64), install Chromium, or set CHROMIUM_PATH.`);
}

/**
 * @sparticuz/chromium's executablePath() unpacks into os.tmpdir() (binary, SwiftShader libraries
 * beside it, fonts), reuses whatever is there, even half-written, and is not safe for two test
 * workers at once. So it runs in a child process whose TMPDIR is a fresh staging folder that is
 * renamed into place when complete: a cache is either whole or absent.
 */
function unpackNpmChromium(): FoundBrowser {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`it ships a Linux x64 build only (this is ${process.platform} ${process.arch})`);
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    // Its "exports" hide package.json; the entry is <package>/build/index.js.
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    throw new Error('the package is not installed');
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const manifest = path.join(packageDir, 'package.json');
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  const cache = path.join(packageDir, '..', '..', '.cache', `latent-atlas-chromium-${version}`);
  const executablePath = path.join(cache, 'chromium');
  if (!existsSync(path.join(cache, 'complete'))) {
    const staging = `${cache}.unpacking-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    // al2023.tar.br holds the NSS libraries the binary links against: a machine without a
    // system browser may lack them, so they are always used (the same build everywhere).
    const script = `
      const { default: chromium, inflate } = await import(${JSON.stringify(path.join(packageDir, 'build', 'index.js'))});
      await chromium.executablePath();
      await inflate(${JSON.stringify(path.join(packageDir, 'bin', 'al2023.tar.br'))});`;
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging }, stdio: ['ignore', 'ignore', 'pipe'] });
      writeFileSync(path.join(staging, 'fonts.conf'), fontsConf(path.join(cache, 'fonts', 'fonts')));
      writeFileSync(path.join(staging, 'complete'), `${version}\n`);
      try {
        renameSync(staging, cache);
      } catch (err) {
        // Another worker finished first: its copy is as good as ours.
        if (!existsSync(path.join(cache, 'complete'))) throw err;
      }
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`unpacking it into ${cache} failed: ${stderr || (err as Error).message}`);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const libraries = path.join(cache, 'al2023', 'lib');
  return {
    executablePath,
    source: 'npm',
    args: NPM_ARGS,
    env: {
      LD_LIBRARY_PATH: [libraries, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: path.join(cache, 'fonts.conf'),
      // Under LANG=C.UTF-8 this build's default locale is "en-US@posix", which its own
      // Intl rejects: every toLocaleString() on the page would throw.
      LANG: 'en_US.UTF-8',
      LC_ALL: 'en_US.UTF-8',
    },
  };
}

/** The package's own fonts.conf names /tmp/fonts; ours names the cache, and the system's fonts too. */
function fontsConf(bundledFonts: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${bundledFonts}</dir>
</fontconfig>
`;
}
