// `ftpgate ls|get|put|rm|mkdir|mv|mirror|doctor`: the client commands, with progress, the mode line and stable exit codes.
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Client } from '../client/client.js';
import type { FileInfo } from '../client/file-info.js';
import { mirror, type MirrorEvent } from '../client/mirror.js';
import { addCommonOptions, clientOptionsFrom, usage, type CommonFlags } from './client-options.js';
import { createProgress, formatBytes, type Progress } from './client-progress.js';
import { EXIT, EXIT_HELP, exitCodeFor } from './client-exit-codes.js';
import { loadModeCache, saveModeCache } from './client-mode-cache.js';
import { registerDoctor } from './client-doctor.js';

/** Run an action: print `ftpgate CMD: message` and set the exit code on failure. */
export function runAction(name: string, fn: () => Promise<number | void>): Promise<void> {
  return fn().then(
    (code) => { process.exitCode = typeof code === 'number' ? code : EXIT.OK; },
    (err: unknown) => {
      const e = err as Error & { code?: string };
      process.stderr.write(`ftpgate ${name}: ${e?.message ?? String(err)}${e?.code?.startsWith('FTPGATE_ERR_') ? ` [${e.code}]` : ''}\n`);
      process.exitCode = exitCodeFor(err);
    },
  );
}

/** Connect with the flags; the mode cache makes auto mode remember, across runs, what worked for each server. */
export async function openClient(url: string, flags: CommonFlags): Promise<{ client: Client; path: string; save: () => Promise<void> }> {
  const { url: u, options } = await clientOptionsFrom(url, flags);
  const memory = await loadModeCache();
  const client = await Client.connect({ ...options, modeMemory: memory });
  return { client, path: u.path, save: () => saveModeCache(memory) };
}

/** Tell the user which data connection was used, and why when it fell back. */
export function modeLine(c: Client, flags: CommonFlags): void {
  if (flags.quiet || !c.lastData) return;
  const d = c.lastData;
  const fb = d.fellBackFrom ? `, after ${d.fellBackFrom.kind} failed: ${d.fellBackFrom.error}` : '';
  process.stderr.write(`data connection: ${d.kind} (${d.command})${fb}\n`);
  if (c.notes.pasvMismatch && d.command === 'PASV') {
    process.stderr.write(`note: the server's PASV reply named ${c.notes.pasvAdvertised}, not the address we connected to; used the server address instead (run ftpgate doctor for details)\n`);
  }
}

function describe(e: FileInfo, long: boolean): string {
  if (e.type === 'unknown') return `? ${e.raw}`;
  const name = e.type === 'dir' ? e.name + '/' : e.type === 'link' && e.target ? `${e.name} -> ${e.target}` : e.name;
  if (!long) return name;
  const t = e.type === 'dir' ? 'd' : e.type === 'link' ? 'l' : '-';
  const when = e.modifiedAt ? e.modifiedAt.toISOString().replace('T', ' ').slice(0, 16) : '                ';
  return `${t} ${String(e.size ?? '').padStart(12)} ${when} ${name}`;
}

function withClient(name: string, url: string, flags: CommonFlags, fn: (c: Client, path: string) => Promise<number | void>): Promise<void> {
  return runAction(name, async () => {
    const { client, path, save } = await openClient(url, flags);
    try {
      const r = await fn(client, path);
      await save();
      return r;
    } finally {
      await client.close().catch(() => {});
    }
  });
}

export function registerClientCommands(program: Command): void {
  addCommonOptions(program.command('ls').argument('<url>', 'ftp://[user[:pass]@]host[:port]/dir (ftpes:// explicit TLS, ftps:// implicit)')
    .description('list a remote directory')
    .option('-l, --long', 'type, size, modification time (UTC) and name'))
    .addHelpText('after', EXIT_HELP)
    .action((url: string, flags: CommonFlags & { long?: boolean }) => withClient('ls', url, flags, async (c, path) => {
      const entries = await c.list(path);
      for (const e of entries) process.stdout.write(describe(e, !!flags.long) + '\n');
      modeLine(c, flags);
    }));

  addCommonOptions(program.command('get').argument('<url>', 'remote file URL').argument('[local]', 'local file or directory; - for stdout')
    .description('download a file')
    .option('-c, --continue', 'resume a partial local file (REST)'))
    .addHelpText('after', EXIT_HELP)
    .action((url: string, local: string | undefined, flags: CommonFlags & { continue?: boolean }) => withClient('get', url, flags, async (c, path) => {
      if (!path || path.endsWith('/')) throw usage('the URL must name a file');
      const size = await c.size(path).catch(() => -1);
      if (local === '-') {
        const p = createProgress(`get ${basename(path)}`, size, { quiet: flags.quiet || process.stderr.isTTY !== true });
        await c.get(path, process.stdout, { onProgress: (n) => p.update(n) });
        p.stop();
        modeLine(c, flags);
        return;
      }
      let target = local ?? basename(path);
      const st = await stat(target).catch(() => null);
      if (st?.isDirectory()) target = join(target, basename(path));
      const have = flags.continue ? await stat(target).then((s) => s.size, () => 0) : 0;
      const p = createProgress(`get ${basename(path)}`, size, { quiet: flags.quiet, startAt: have });
      try {
        const n = await c.getFile(path, target, { resume: !!flags.continue, onProgress: (b) => p.update(have + b) });
        p.finish(have + n);
      } finally {
        p.stop();
      }
      modeLine(c, flags);
    }));

  addCommonOptions(program.command('put').argument('<local>', 'local file').argument('<url>', 'remote file URL, or directory URL ending in /')
    .description('upload a file')
    .option('-c, --continue', 'resume a partial remote file (APPE from its size)'))
    .addHelpText('after', EXIT_HELP)
    .action((local: string, url: string, flags: CommonFlags & { continue?: boolean }) => withClient('put', url, flags, async (c, path) => {
      const st = await stat(local);
      if (!st.isFile()) throw usage(`${local} is not a file`);
      const remote = !path || path.endsWith('/') ? path + basename(local) : path;
      const have = flags.continue ? await c.size(remote).catch(() => 0) : 0;
      const p = createProgress(`put ${basename(local)}`, st.size, { quiet: flags.quiet, startAt: have });
      try {
        const n = await c.putFile(local, remote, { resume: !!flags.continue, onProgress: (b) => p.update(have + b) });
        p.finish(have + n);
      } finally {
        p.stop();
      }
      modeLine(c, flags);
    }));

  addCommonOptions(program.command('rm').argument('<url>', 'remote file or directory URL')
    .description('delete a remote file (or, with -r, a directory tree)')
    .option('-r, --recursive', 'remove a directory and everything below it'))
    .addHelpText('after', EXIT_HELP)
    .action((url: string, flags: CommonFlags & { recursive?: boolean }) => withClient('rm', url, flags, async (c, path) => {
      if (!path) throw usage('the URL must name a file or directory');
      await c.remove(path, { recursive: !!flags.recursive });
    }));

  addCommonOptions(program.command('mkdir').argument('<url>', 'remote directory URL')
    .description('create a remote directory')
    .option('-p, --parents', 'create missing parents; no error if it exists'))
    .addHelpText('after', EXIT_HELP)
    .action((url: string, flags: CommonFlags & { parents?: boolean }) => withClient('mkdir', url, flags, async (c, path) => {
      if (!path) throw usage('the URL must name a directory');
      await c.mkdir(path, { recursive: !!flags.parents });
    }));

  addCommonOptions(program.command('mv').argument('<url>', 'remote file URL').argument('<newpath>', 'new path on the same server (relative to the login directory, or absolute)')
    .description('rename or move a remote file'))
    .addHelpText('after', EXIT_HELP)
    .action((url: string, newPath: string, flags: CommonFlags) => withClient('mv', url, flags, async (c, path) => {
      if (!path) throw usage('the URL must name a file');
      await c.rename(path, newPath);
    }));

  const collect = (v: string, prev: string[] = []) => [...prev, v];
  addCommonOptions(program.command('mirror').argument('<source>', 'URL (download) or, with -R, local directory').argument('<target>', 'local directory or, with -R, URL')
    .description('mirror a remote tree to a local directory, or with -R a local tree to the server')
    .option('-R, --reverse', 'upload: mirror LOCALDIR to URL')
    .option('--only-newer', 'transfer only files newer than the target copy')
    .option('--only-missing', 'transfer only files the target does not have')
    .option('--delete', 'delete target files and directories the source does not have')
    .option('-i, --include <glob>', 'transfer only files matching (repeatable; * ? [..] **)', collect)
    .option('-x, --exclude <glob>', 'skip files and directories matching (repeatable)', collect)
    .option('-P, --parallel <n>', 'parallel connections', '2')
    .option('--no-resume', 'restart partial transfers instead of continuing them'))
    .addHelpText('after', EXIT_HELP)
    .action((source: string, target: string, flags: CommonFlags & { reverse?: boolean; onlyNewer?: boolean; onlyMissing?: boolean; delete?: boolean; include?: string[]; exclude?: string[]; parallel: string; resume: boolean }) => runAction('mirror', async () => {
      const url = flags.reverse ? target : source;
      const localDir = flags.reverse ? source : target;
      const parallel = Number(flags.parallel);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw usage('--parallel must be 1..16');
      if (flags.onlyNewer && flags.onlyMissing) throw usage('--only-newer and --only-missing exclude each other');
      const { url: u, options } = await clientOptionsFrom(url, flags);
      const memory = await loadModeCache();
      const modes = new Map<string, string>();
      const bars = new Map<string, Progress>();
      const clients: Client[] = [];
      const onEvent = (e: MirrorEvent) => {
        if (e.type === 'start') bars.set(e.path, createProgress(`${flags.reverse ? 'put' : 'get'} ${e.path}`, e.size, { quiet: flags.quiet || parallel > 1 && process.stderr.isTTY === true, startAt: e.resumeFrom }));
        else if (e.type === 'progress') bars.get(e.path)?.update(e.bytes);
        else if (e.type === 'done') { const b = bars.get(e.path); b?.finish(e.bytes); bars.delete(e.path); if (parallel > 1 && !flags.quiet && process.stderr.isTTY) process.stderr.write(`done ${e.path} (${formatBytes(e.bytes)})\n`); }
        else if (e.type === 'error') { bars.get(e.path)?.stop(); bars.delete(e.path); process.stderr.write(`error ${e.path}: ${e.message}\n`); }
        else if (e.type === 'warn') process.stderr.write(`warning ${e.path || '.'}: ${e.message}\n`);
        else if (e.type === 'delete' && !flags.quiet) process.stderr.write(`deleted ${e.path}\n`);
      };
      const result = await mirror({
        connect: async () => {
          const c = await Client.connect({ ...options, modeMemory: memory });
          clients.push(c);
          return c;
        },
        direction: flags.reverse ? 'upload' : 'download',
        remoteDir: u.path,
        localDir,
        onlyNewer: flags.onlyNewer,
        onlyMissing: flags.onlyMissing,
        delete: flags.delete,
        include: flags.include,
        exclude: flags.exclude,
        parallel,
        resume: flags.resume,
        onEvent,
      });
      for (const c of clients) if (c.lastData) modes.set(`${c.lastData.kind} (${c.lastData.command})${c.lastData.fellBackFrom ? `, after ${c.lastData.fellBackFrom.kind} failed` : ''}`, '');
      await saveModeCache(memory);
      if (!flags.quiet) {
        if (modes.size) process.stderr.write(`data connection: ${[...modes.keys()].join('; ')}\n`);
        process.stderr.write(`mirror: ${result.transferred} transferred (${formatBytes(result.bytes)}), ${result.skipped} up to date, ${result.deleted} deleted, ${result.errors.length} failed, ${result.warnings.length} warnings\n`);
      }
      return result.errors.length ? EXIT.PARTIAL : EXIT.OK;
    }));

  registerDoctor(program);
}
