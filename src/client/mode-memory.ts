// Remembers, per server (host:port), which data-connection kind last worked, so `auto` mode starts with it next time.
export type DataKind = 'passive' | 'active';

export class ModeMemory {
  private readonly map = new Map<string, DataKind>();
  get(server: string): DataKind | undefined { return this.map.get(server); }
  set(server: string, kind: DataKind): void { this.map.set(server, kind); }
  clear(): void { this.map.clear(); }
  /** Plain object for saving (the CLI keeps it in a cache file between runs). */
  toJSON(): Record<string, DataKind> { return Object.fromEntries(this.map); }
  static fromJSON(obj: unknown): ModeMemory {
    const m = new ModeMemory();
    if (obj && typeof obj === 'object') {
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) if (v === 'passive' || v === 'active') m.set(k, v);
    }
    return m;
  }
}

/** Shared by all clients of this process unless a client is given its own. */
export const defaultModeMemory = new ModeMemory();
