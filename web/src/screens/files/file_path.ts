// Paths as the file manager's API takes them: relative to the customer's home, '/'-separated,
// '' for the home itself. The API checks every path (no '..', no absolute path, no control
// character); these helpers only compose what the screen shows and sends.

export interface Crumb {
  name: string; // the folder's own name ('' for the home)
  path: string; // its path from the home
}

export function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

export function joinPath(folder: string, name: string): string {
  return [...splitPath(folder), ...splitPath(name)].join('/');
}

// The folder that holds `path` ('' for an entry of the home, and for the home itself).
export function parentPath(path: string): string {
  return splitPath(path).slice(0, -1).join('/');
}

export function baseName(path: string): string {
  const parts = splitPath(path);
  return parts[parts.length - 1] ?? '';
}

// The home, then each folder down to `path`.
export function breadcrumbs(path: string): Crumb[] {
  const parts = splitPath(path);
  return [{ name: '', path: '' }, ...parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join('/') }))];
}

// Where a rename or move goes: a name without '/' stays in the same folder; a path with '/' is
// taken from the home (a leading '/' is the home, as a person writes it).
export function moveTarget(from: string, typed: string): string {
  const t = typed.trim();
  if (t.includes('/')) return splitPath(t).join('/');
  return joinPath(parentPath(from), t);
}

// The panel's own URL of a folder: /files, or /files?path=<folder>.
export function folderUrl(path: string): string {
  return path === '' ? '/files' : `/files?${new URLSearchParams({ path }).toString()}`;
}

// Permission bits as ls shows them (0o644 -> "rw-r--r--") and in octal ("644").
export function modeText(mode: number): string {
  const flags = 'rwxrwxrwx';
  let out = '';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? flags[i] : '-';
  return out;
}

export function modeOctal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}
