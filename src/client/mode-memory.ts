// Remembers, per server (host:port), which data-connection kind last worked, so `auto` mode starts with it next time.
export type DataKind = 'passive' | 'active';

export class ModeMemory {
  private readonly map = new Map<string, DataKind>();
  get(server: string): DataKind | undefined { return this.map.get(server); }
  set(server: string, kind: DataKind): void { this.map.set(server, kind); }
  clear(): void { this.map.clear(); }
}

/** Shared by all clients of this process unless a client is given its own. */
export const defaultModeMemory = new ModeMemory();
