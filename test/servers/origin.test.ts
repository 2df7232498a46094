import { describe, expect, it } from 'vitest';
import { originAllowed } from '../../servers/common/origin.js';

describe('originAllowed (servers/common/origin.ts; Go and Java mirror it)', () => {
  it.each([
    [undefined, '', true],
    ['http://localhost:3000', '', true],
    ['https://127.0.0.1', '', true],
    ['http://127.9.8.7:1', '', true],
    ['http://[::1]:8080', '', true],
    ['https://evil.example', '', false],
    ['http://localhost.evil.example', '', false],
    ['http://127.0.0.1.evil.example', '', false],
    ['null', '', false],
    ['file://', '', false],
    ['https://evil.example', 'https://evil.example', true],
    ['https://evil.example', 'https://other.example, https://evil.example', true],
    ['https://evil.example', '*', true],
    ['https://evil.example', 'https://other.example', false],
  ] as const)('%s with allow "%s" → %s', (origin, allow, expected) => {
    expect(originAllowed(origin, allow)).toBe(expected);
  });
});
