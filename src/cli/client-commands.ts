// `ftpgate` subcommands of this module (stub until implemented).
import type { Command } from 'commander';

export function registerClientCommands(_program: Command): void {}
