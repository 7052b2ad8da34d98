// `ftpgate` subcommands of this module (stub until implemented).
import type { Command } from 'commander';

export function registerPasswd(_program: Command): void {}
