/**
 * Renamed servers stay readable: a result file written under an old name (ws-thread-per-conn, before it
 * was called what it is, ws-worker-per-conn) is read under the new one, and report and compare treat old-
 * and new-name files as one server. The files on disk are never rewritten.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../../report/compare.js';
import { buildModel } from '../../report/model.js';
import { readResultFile, readResults } from '../../results/reader.js';
import type { Cell } from '../../results/schema.js';
import { writeResultFile } from '../../results/writer.js';
import { currentServerName, LEGACY_SERVER_NAMES, renamedServer } from '../../servers/legacy-names.js';
import { getServer, SERVERS, UnknownServerError } from '../../servers/registry.js';
import { file, runs } from '../report/builders.js';

const OLD = 'ws-thread-per-conn';
const NEW = 'ws-worker-per-conn';

function write(name: string, cells: Cell[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wsarena-legacy-')), name);
  writeResultFile(path, file(cells));
  return path;
}

describe('legacy server names', () => {
  it('map every old name to a registered server, and no old name is registered', () => {
    expect(LEGACY_SERVER_NAMES).toEqual({ [OLD]: NEW });
    for (const [old, current] of Object.entries(LEGACY_SERVER_NAMES)) {
      expect(Object.hasOwn(SERVERS, current)).toBe(true);
      expect(Object.hasOwn(SERVERS, old)).toBe(false);
    }
    expect(renamedServer(OLD)).toBe(NEW);
    expect(renamedServer('ws-loop')).toBeNull();
    expect(renamedServer('constructor')).toBeNull();
    expect(currentServerName(OLD)).toBe(NEW);
    expect(currentServerName('uws')).toBe('uws');
  });

  it('a result file under the old name reads as the new one (server and id prefix); the file is untouched', () => {
    const path = write('old.json', [...runs(OLD, [1000, 1100]), ...runs('ws-loop', [5000])]);
    const onDisk = readFileSync(path, 'utf8');
    const read = readResultFile(path);
    expect(read.cells.map((c) => [c.server, c.id])).toEqual([
      [NEW, `${NEW}/echo/c100/r0`],
      [NEW, `${NEW}/echo/c100/r1`],
      ['ws-loop', 'ws-loop/echo/c100/r0'],
    ]);
    expect(readFileSync(path, 'utf8')).toBe(onDisk);
    expect(JSON.parse(onDisk).cells[0].server).toBe(OLD);
  });

  it('an id that does not start with the old name keeps its id; only the server is renamed', () => {
    const path = write(
      'odd.json',
      runs(OLD, [1000]).map((c) => ({ ...c, id: 'custom-id' })),
    );
    expect(readResultFile(path).cells[0]).toMatchObject({ server: NEW, id: 'custom-id' });
  });

  it('report: an old-name file and a new-name file are one server with its model, told apart by file only', () => {
    const old = write('old.json', runs(OLD, [1000, 1100]));
    const next = write('new.json', runs(NEW, [1200, 1300]));
    const model = buildModel(readResults([old, next]));
    expect(model.runs).toHaveLength(4);
    expect(new Set(model.runs.map((r) => r.server))).toEqual(new Set([NEW]));
    expect(new Set(model.runs.map((r) => r.model))).toEqual(new Set(['worker-per-connection']));
    expect(new Set(model.runs.map((r) => r.family))).toEqual(new Set(['threaded']));
    expect(model.runs.every((r) => r.cellId.startsWith(`${NEW}/`))).toBe(true);
    // The same server under the same conditions in two files: named with its file, as a baseline and a rerun are.
    expect(model.runs.map((r) => r.who)).toEqual([`${NEW} [old.json]`, `${NEW} [old.json]`, `${NEW} [new.json]`, `${NEW} [new.json]`]);
  });

  it('compare: an old-name BASE and a new-name NEW match as the same cell', () => {
    const base = write('base.json', runs(OLD, [100_000, 100_500, 99_500]));
    const next = write('new.json', runs(NEW, [90_000, 90_400, 89_600]));
    const result = compareResults(readResults([base]), readResults([next]), { threshold: 0.05 });
    expect(result.cells).toHaveLength(1);
    expect(result.cells[0]).toMatchObject({ server: NEW, status: 'compared', nBase: 3, nNew: 3 });
    expect(result.exceeded).toBe(true);
  });

  it('the registry refuses the old name and names the new one', () => {
    expect(() => getServer(OLD)).toThrow(UnknownServerError);
    expect(() => getServer(OLD)).toThrow(`unknown server "${OLD}": it was renamed to ${NEW}; known servers: `);
    try {
      getServer(OLD);
    } catch (error) {
      expect(error).toMatchObject({ code: 'UNKNOWN_SERVER', serverName: OLD, renamedTo: NEW });
    }
  });
});
