import { describe, expect, it } from 'vitest';
import { baseName, breadcrumbs, folderUrl, joinPath, modeOctal, modeText, moveTarget, parentPath } from './file_path';

describe('file paths', () => {
  it('joins, splits and goes up without empty parts', () => {
    expect(joinPath('', 'a.txt')).toBe('a.txt');
    expect(joinPath('sites/x/public', 'index.php')).toBe('sites/x/public/index.php');
    expect(parentPath('sites/x/public/index.php')).toBe('sites/x/public');
    expect(parentPath('a.txt')).toBe('');
    expect(parentPath('')).toBe('');
    expect(baseName('sites/x/public')).toBe('public');
  });

  it('makes the breadcrumbs from the home down', () => {
    expect(breadcrumbs('')).toEqual([{ name: '', path: '' }]);
    expect(breadcrumbs('sites/a b/public')).toEqual([
      { name: '', path: '' },
      { name: 'sites', path: 'sites' },
      { name: 'a b', path: 'sites/a b' },
      { name: 'public', path: 'sites/a b/public' },
    ]);
  });

  it('keeps a new name in its folder and takes a path with / from the home', () => {
    expect(moveTarget('sites/x/old.php', 'new.php')).toBe('sites/x/new.php');
    expect(moveTarget('sites/x/old.php', ' tmp/old.php ')).toBe('tmp/old.php');
    expect(moveTarget('sites/x/old.php', '/old.php')).toBe('old.php');
  });

  it('encodes a folder in the panel URL', () => {
    expect(folderUrl('')).toBe('/files');
    expect(folderUrl('a&b/<c>')).toBe('/files?path=a%26b%2F%3Cc%3E');
  });

  it('shows permission bits as ls does and in octal', () => {
    expect(modeText(0o644)).toBe('rw-r--r--');
    expect(modeText(0o750)).toBe('rwxr-x---');
    expect(modeOctal(0o640)).toBe('640');
    expect(modeOctal(0o7)).toBe('007');
  });
});
