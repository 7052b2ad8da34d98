// `ftpgate passwd`: add or update a user (scrypt hash, home, write permission) in a users file.
import type { Command } from 'commander';
import { readFile, writeFile, rename } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { yaml } from '../yaml-loader.js';
import { hashPassword } from '../server/users.js';

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += chunk;
    return data.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const ask = (q: string) => new Promise<string>((res) => {
    process.stderr.write(q);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
    rl.question('', (a) => { process.stderr.write('\n'); res(a); });
  });
  const a = await ask('New password: ');
  const b = await ask('Again: ');
  rl.close();
  if (a !== b) throw new Error('passwords do not match');
  return a;
}

export function registerPasswd(program: Command): void {
  program
    .command('passwd')
    .description('add or update a user in a users file (scrypt hash)')
    .argument('<name>', 'user name')
    .requiredOption('--users <file>', 'users file (YAML), created if missing')
    .option('--home <dir>', 'home directory, relative to the server root or absolute')
    .option('--write', 'allow uploads, deletes and renames')
    .option('--read-only', 'read-only access (default for new users)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (name: string, opts: { users: string; home?: string; write?: boolean; readOnly?: boolean; passwordStdin?: boolean }) => {
      if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
        process.stderr.write(`ftpgate passwd: "${name}" is not a valid user name (letters, digits, . _ @ -; up to 64)\n`);
        process.exit(2);
      }
      let doc: { users: Record<string, unknown>[] } = { users: [] };
      try {
        const parsed = yaml().parse(await readFile(opts.users, 'utf8'));
        if (parsed && Array.isArray(parsed.users)) doc = parsed;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') { process.stderr.write(`ftpgate passwd: cannot read ${opts.users}: ${(err as Error).message}\n`); process.exit(2); }
      }
      const password = await readPassword(!!opts.passwordStdin);
      if (password.length < 1) { process.stderr.write('ftpgate passwd: empty password refused\n'); process.exit(2); }
      const existing = doc.users.find((u) => u.name === name);
      const entry: Record<string, unknown> = existing ?? { name };
      entry.password = await hashPassword(password);
      if (opts.home !== undefined) entry.home = opts.home;
      if (opts.write) entry.write = true;
      else if (opts.readOnly || !existing) entry.write = false;
      if (!existing) doc.users.push(entry);
      const tmp = `${opts.users}.tmp-${process.pid}`;
      await writeFile(tmp, yaml().stringify(doc), { mode: 0o600 });
      await rename(tmp, opts.users);
      process.stderr.write(`${existing ? 'updated' : 'added'} ${name} in ${opts.users}\n`);
    });
}
