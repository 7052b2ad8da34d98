// `ftpgate` subcommands of this module (stub until implemented).
import type { Command } from 'commander';

export function registerServe(_program: Command): void {}
