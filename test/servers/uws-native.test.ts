import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../servers/launch.js';
import { loadNativeUws, NativeUwsUnavailableError, nativeUwsBinaryPath } from '../../servers/uws/native.js';
import { createUwsSpec } from '../../servers/uws/spec.js';

const scratch = mkdtempSync(join(tmpdir(), 'wsarena-uws-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('uWS native binary', () => {
  it('names the binary for this platform, arch and Node ABI', () => {
    expect(nativeUwsBinaryPath()).toMatch(new RegExp(`binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}\\.node$`));
  });

  it('a missing binary makes the spec unavailable, with the path and the shipped ABIs in the reason', () => {
    const missing = join(scratch, 'binaries', 'uws_nowhere.node');
    const availability = createUwsSpec({ binaryPath: missing }).availability();
    expect(availability.available).toBe(false);
    if (availability.available) return;
    expect(availability.reason).toContain(missing);
    expect(availability.reason).toContain('does not exist');
    expect(availability.reason).toContain(`ABI ${process.versions.modules}`);
  });

  it('a file that is not a loadable binary makes the spec unavailable with the dlopen error', () => {
    const garbage = join(scratch, 'garbage.node');
    writeFileSync(garbage, 'this is not an ELF file');
    const availability = createUwsSpec({ binaryPath: garbage }).availability();
    expect(availability).toMatchObject({ available: false, reason: expect.stringContaining(`cannot load ${garbage}`) });
  });

  it('loadNativeUws throws a coded error instead of falling back to the JS shim', () => {
    const missing = join(scratch, 'nope.node');
    expect(() => loadNativeUws(missing)).toThrow(NativeUwsUnavailableError);
    try {
      loadNativeUws(missing);
    } catch (error) {
      expect((error as NativeUwsUnavailableError).code).toBe('UWS_NATIVE_UNAVAILABLE');
      expect((error as NativeUwsUnavailableError).reason).toContain(missing);
    }
  });

  it('startServer refuses an unavailable uws with its reason', async () => {
    const spec = createUwsSpec({ binaryPath: join(scratch, 'absent.node') });
    await expect(startServer(spec)).rejects.toMatchObject({
      code: 'SERVER_UNAVAILABLE',
      message: expect.stringMatching(/server "uws" is unavailable: .*absent\.node does not exist/),
    });
  });
});
