// Target URLs for people and for checks: the password masked before anything prints or stores a
// URL, and a target's scheme checked against what its protocol accepts.

/** The URL with any password replaced by '***', safe to print and to store in results. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    const text = u.toString();
    // URL adds a '/' path to 'mqtt://host:1883'; keep the user's spelling.
    return text.endsWith('/') && !url.endsWith('/') ? text.slice(0, -1) : text;
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}

/** Checks a target URL's scheme; returns a problem description or undefined. */
export function checkTargetUrl(url: string, schemes: readonly string[]): string | undefined {
  if (url === 'embedded' || url.startsWith('embedded:')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `expected a URL like ${schemes[0]}://127.0.0.1, got ${JSON.stringify(maskUrl(url))}`;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme))
    return `expected a ${schemes.map((s) => `${s}://`).join(', ')} URL, got ${JSON.stringify(maskUrl(url))}`;
  if (!parsed.hostname) return `expected a host in ${JSON.stringify(maskUrl(url))}`;
  return undefined;
}
