// Loads the `yaml` package on first use: it costs ~40 ms of start-up, which commands that never read YAML should not pay.
import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');
let cached: YamlModule | null = null;

export function yaml(): YamlModule {
  cached ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return cached;
}
