/** The reattach marker (src/workflows/marker.ts): unique per run, stable within one, documented path characters. */
import { randomUUID } from 'node:crypto';
import { descriptionWithMarker, runMarker, withMarker } from '../../src/workflows/marker.js';

/** A UUIDv7 as Temporal's server makes them: 48 bits of milliseconds, then random bits. */
function uuidV7(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0') + '7' + randomUUID().replace(/-/g, '').slice(13);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const PATH_SAFE = /^[A-Za-z0-9_-]+$/;

describe('runMarker', () => {
  it('differs for runs started in the same millisecond (the time-ordered prefix of their run ids is equal)', () => {
    const ms = Date.UTC(2026, 11, 6, 10, 0, 0);
    const markers = new Set(Array.from({ length: 1000 }, () => runMarker('nightly', 0, uuidV7(ms))));
    expect(markers.size).toBe(1000);
  });

  it('differs for workflow ids that share a long prefix, and for a workflow id reused by a new run', () => {
    const prefix = 'x'.repeat(100);
    const a = runMarker(`${prefix}-2026-12-01`, 0, uuidV7(1));
    const b = runMarker(`${prefix}-2026-12-02`, 0, uuidV7(1));
    expect(a).not.toBe(b);
    const reused = 'my-export';
    expect(runMarker(reused, 0, uuidV7(5))).not.toBe(runMarker(reused, 0, uuidV7(5)));
  });

  it('is the same for one run and step every time (retries, crashes and continue-as-new keep the first run id)', () => {
    const runId = uuidV7(Date.now());
    expect(runMarker('wf', 2, runId)).toBe(runMarker('wf', 2, runId));
    expect(runMarker('wf', 2, runId)).not.toBe(runMarker('wf', 3, runId));
  });

  it('uses only the path characters the ModelArts.4313 appendix documents, and stays short', () => {
    const ids = [
      'plain',
      'a.b/c d\ne',
      'run-\u202egnp.exe-😀',
      'sched.2026-12-06T10:00:00Z',
      '../../etc',
      'x'.repeat(1000),
    ];
    for (const id of ids) {
      const marker = runMarker(id, 11, randomUUID());
      expect(marker).toMatch(PATH_SAFE);
      expect(marker.length).toBeLessThanOrEqual(90);
    }
  });

  it('no step marker of a run is found inside another (descriptions are matched by substring)', () => {
    const runId = randomUUID();
    const markers = Array.from({ length: 30 }, (_, step) => runMarker('wf', step, runId));
    for (const a of markers) for (const b of markers) if (a !== b) expect(b.includes(a)).toBe(false);
  });
});

describe('withMarker and descriptionWithMarker', () => {
  it('append the marker once', () => {
    const marker = runMarker('wf', 0, randomUUID());
    const path = withMarker('/bucket/out', marker);
    expect(path).toBe(`/bucket/out/${marker}/`);
    expect(withMarker(path, marker)).toBe(path);
    const description = descriptionWithMarker('nightly', marker);
    expect(description).toBe(`nightly [modelarts-temporal:${marker}]`);
    expect(descriptionWithMarker(description, marker)).toBe(description);
  });
});
