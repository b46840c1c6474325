import { describe, expect, it } from 'vitest';
import { inertText } from '../../../src/notify/user-text.js';

describe('user text in messages', () => {
  it('shows a URL defanged, so no client makes it a link', () => {
    expect(inertText('[x](https://evil.example/login)')).toBe('[x](https[:]//evil.example/login)');
    expect(inertText('see HTTP://a.example and ftp://b and file:\\\\c')).toBe(
      'see HTTP[:]//a.example and ftp[:]//b and file[:]\\\\c',
    );
    expect(inertText('visit www.evil.example')).toBe('visit www[.]evil.example');
  });

  it('cannot forge lines of its own: control characters and line separators become spaces', () => {
    expect(inertText('prod\r\n\r\nAction required:\u2028click\u0007')).toBe(
      'prod Action required: click ',
    );
  });

  it('leaves ordinary names, package names and versions as they are', () => {
    for (const text of ['aks-prod-weu', 'libstdc++', 'python3-typing_extensions', '1:2.3-4.azl3']) {
      expect(inertText(text)).toBe(text);
    }
  });
});
