/**
 * The command line parsed by commander: one commander Command per CLI command, built from the
 * command's flag table (src/cli/flag-table.ts). Parsing only: it returns the help text to print
 * or the command with its flag values (keyed by flag name, as the commands read them) and its
 * positional arguments; a usage error is a CliUsageError of one short line.
 */
import { Command, CommanderError, Option } from 'commander';
import { checkNumbers, helpSentence, type FlagTable } from './flag-table';
import { CliUsageError } from './output';

export interface CliCommand {
  /** One sentence for `latent-atlas --help`. */
  summary: string;
  /** What follows `latent-atlas <command>` in the usage line; several ways to call it, several lines. */
  usage: readonly string[];
  flags: FlagTable;
  /** One or two complete command lines for --help. */
  examples: readonly string[];
  /** A paragraph after the examples in --help, for what one sentence per flag cannot say. */
  notes?: string;
  /** Rewrites the arguments before parsing (e.g. --pixel-art's optional count). */
  prepareArgs?: (args: string[]) => string[];
  run(values: Record<string, unknown>, positionals: string[]): Promise<unknown>;
}

export type ParsedCommandLine = { kind: 'help'; text: string } | { kind: 'version' } | { kind: 'run'; name: string; command: CliCommand; values: Record<string, unknown>; positionals: string[] };

const PROGRAM = 'latent-atlas';

function commandFor(program: Command, name: string, c: CliCommand): Command {
  const cmd = program
    .command(name)
    .summary(c.summary)
    .description(c.summary)
    .argument('[inputs...]')
    .usage(c.usage.join(`\n       ${PROGRAM} ${name} `));
  for (const [flagName, spec] of Object.entries(c.flags)) {
    const value = spec.type === 'boolean' ? '' : spec.optionalValue ? ` [${spec.value ?? 'value'}]` : ` <${spec.value ?? 'value'}>`;
    const option = new Option(`--${flagName}${value}`, helpSentence(spec));
    if (spec.multiple) option.argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), v]);
    cmd.addOption(option);
  }
  const examples = c.examples.map((e) => `  ${e}`).join('\n');
  cmd.addHelpText('after', `\nExample${c.examples.length > 1 ? 's' : ''}:\n${examples}\n${c.notes ? `\n${c.notes.trimEnd()}\n` : ''}`);
  return cmd;
}

/** The flag values as the commands read them: keyed by flag name, booleans false when absent. */
function flagValues(cmd: Command, table: FlagTable): Record<string, unknown> {
  const opts = cmd.opts();
  const values: Record<string, unknown> = {};
  for (const [flagName, spec] of Object.entries(table)) {
    const option = cmd.options.find((o) => o.long === `--${flagName}`)!;
    const raw = opts[option.attributeName()];
    if (option.negate)
      values[flagName] = raw === false; // --no-cache: commander stores cache=false
    else if (spec.type === 'boolean') values[flagName] = raw === true;
    else values[flagName] = spec.optionalValue && raw === true ? '' : raw;
  }
  return values;
}

/** Commander's message as one line: "unknown option '--epoch' (Did you mean --epochs?)". */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/^option '(--[\w-]+) <([^>]+)>' argument missing$/, '$1 needs a value ($2)')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

function buildProgram(commands: Readonly<Record<string, CliCommand>>, about: string, footer: string): { program: Command; output: () => string } {
  let written = '';
  const program = new Command(PROGRAM)
    .description(about)
    .usage('<command> [options]')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (written += s), writeErr: (s) => void (written += s), outputError: () => {} })
    // `--cell WxH` rather than `--cell <WxH>`: the value's name reads as in the examples.
    .configureHelp({ subcommandTerm: (cmd) => cmd.name(), optionTerm: (option) => option.flags.replace(/<([^>]+)>/, '$1') })
    .helpOption('-h, --help', 'Show this help.')
    .helpCommand('help [command]', "Show a command's flags and examples.")
    .addHelpText('after', `\n${footer}`);
  for (const [name, c] of Object.entries(commands)) commandFor(program, name, c).helpOption('-h, --help', 'Show this help.');
  return { program, output: () => written };
}

/**
 * Parse `argv` (without node and the script): help, version, or a command to run. Usage
 * errors throw a CliUsageError naming the command, so the message can point at its --help.
 */
export function parseCommandLine(argv: string[], commands: Readonly<Record<string, CliCommand>>, about: string, footer: string): ParsedCommandLine {
  const [name, ...rest] = argv;
  const { program, output } = buildProgram(commands, about, footer);
  if (name === '--version' || name === 'version') return { kind: 'version' };
  // `latent-atlas frobnicate` and `latent-atlas help frobnicate` name the commands there are.
  const wanted = name === 'help' && rest[0] && !rest[0].startsWith('-') ? rest[0] : name;
  if (wanted && !wanted.startsWith('-') && wanted !== 'help' && !Object.hasOwn(commands, wanted)) {
    throw new CliUsageError(`unknown command "${wanted}"; commands: ${Object.keys(commands).join(', ')}`);
  }
  const command = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
  let chosen: { cmd: Command; inputs: string[] } | null = null;
  for (const cmd of program.commands) cmd.action((inputs: string[], _opts: unknown, self: Command) => void (chosen = { cmd: self, inputs }));
  try {
    // No command at all: the program's help, as `latent-atlas --help` shows it.
    program.parse(name === undefined ? ['--help'] : [name, ...(command?.prepareArgs ? command.prepareArgs(rest) : rest)], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help')) return { kind: 'help', text: output() };
    if (err instanceof CommanderError) throw usageError(oneLine(err.message), command ? name : undefined);
    throw err;
  }
  if (!chosen || !command) return { kind: 'help', text: output() || program.helpInformation() };
  const { cmd, inputs } = chosen as { cmd: Command; inputs: string[] };
  const values = flagValues(cmd, command.flags);
  try {
    checkNumbers(command.flags, values);
  } catch (err) {
    throw usageError((err as Error).message, name);
  }
  return { kind: 'run', name, command, values, positionals: inputs };
}

function usageError(message: string, command: string | undefined): CliUsageError {
  const err = new CliUsageError(message);
  err.command = command;
  return err;
}
