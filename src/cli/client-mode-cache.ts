// Keeps auto mode's per-server memory (which data connection kind worked) between CLI runs, in ~/.cache/ftpgate/modes.json.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ModeMemory } from '../client/mode-memory.js';

export function modeCacheFile(): string {
  const dir = process.env.FTPGATE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ftpgate');
  return join(dir, 'modes.json');
}

export async function loadModeCache(): Promise<ModeMemory> {
  try {
    return ModeMemory.fromJSON(JSON.parse(await readFile(modeCacheFile(), 'utf8')));
  } catch {
    return new ModeMemory();
  }
}

/** Best effort: a read-only home must not fail a transfer. */
export async function saveModeCache(m: ModeMemory): Promise<void> {
  const file = modeCacheFile();
  try {
    await mkdir(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(m.toJSON(), null, 1) + '\n');
    await rename(tmp, file);
  } catch { /* ignore */ }
}
