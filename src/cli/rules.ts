// `ftpgate` subcommands of this module (stub until implemented).
import type { Command } from 'commander';

export function registerRules(_program: Command): void {}
