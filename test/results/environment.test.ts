import { describe, expect, it } from 'vitest';
import { collectEnvironment, libraryVersions, packageVersion } from '../../results/environment.js';

describe('provenance: library versions', () => {
  it('records piscina although its exports hide package.json (ERR_PACKAGE_PATH_NOT_EXPORTED)', () => {
    expect(packageVersion('piscina')).toMatch(/^\d+\.\d+\.\d+/);
    expect(collectEnvironment().libraries).toEqual(
      expect.objectContaining({ piscina: expect.stringMatching(/^\d+\.\d+\.\d+/), ws: expect.any(String), 'hdr-histogram-js': expect.any(String) }),
    );
  });
  it('leaves out a package that is not installed', () => {
    expect(packageVersion('no-such-package-wsarena')).toBeNull();
    expect(libraryVersions(['no-such-package-wsarena'])).toEqual({});
  });
});
