// Include/exclude globs for mirror: `*` and `?` within one path component, `**` across components, `[abc]` classes. Pure.

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A pattern without `/` matches the base name anywhere; one with `/` matches the whole relative path. */
export function globMatches(glob: string, relPath: string): boolean {
  const re = globToRegExp(glob.replace(/^\.?\//, ''));
  if (!glob.includes('/')) return re.test(relPath.slice(relPath.lastIndexOf('/') + 1));
  return re.test(relPath);
}

export function makeFilter(include: readonly string[] = [], exclude: readonly string[] = []): (relPath: string, isDir: boolean) => boolean {
  return (relPath, isDir) => {
    if (exclude.some((g) => globMatches(g, relPath))) return false;
    // Include patterns select files; directories are always walked so files below them can match.
    if (isDir || include.length === 0) return true;
    return include.some((g) => globMatches(g, relPath));
  };
}
