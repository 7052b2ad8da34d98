// Parsing ~/.netrc (machine/login/password/default tokens; macdef bodies skipped). Pure.

export interface NetrcEntry { login?: string; password?: string }

/** Find the entry for `host` (and `login`, when given), falling back to `default`. */
export function lookupNetrc(text: string, host: string, login?: string): NetrcEntry | undefined {
  const tokens: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*macdef\b/.test(line)) {
      // a macro body runs to the next empty line
      while (i + 1 < lines.length && lines[i + 1].trim() !== '') i++;
      continue;
    }
    if (/^\s*#/.test(line)) continue;
    const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
    let m;
    while ((m = re.exec(line))) {
      tokens.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
    }
  }
  const entries: Array<{ machine: string | null; e: NetrcEntry }> = [];
  let cur: { machine: string | null; e: NetrcEntry } | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'machine') { cur = { machine: tokens[++i] ?? '', e: {} }; entries.push(cur); }
    else if (t === 'default') { cur = { machine: null, e: {} }; entries.push(cur); }
    else if (cur && t === 'login') cur.e.login = tokens[++i];
    else if (cur && t === 'password') cur.e.password = tokens[++i];
    else if (cur && t === 'account') i++;
  }
  const match = (x: { machine: string | null; e: NetrcEntry }) => !login || !x.e.login || x.e.login === login;
  return entries.find((x) => x.machine !== null && x.machine.toLowerCase() === host.toLowerCase() && match(x))?.e
    ?? entries.find((x) => x.machine === null && match(x))?.e;
}
