import { appendFileSync } from 'node:fs';
import type { GroundTruthRecord } from './client.js';

/** Appends ground truth to an NDJSON file as it happens; keeps it in memory too, for the lab's own use. */
export class GroundTruth {
  readonly records: GroundTruthRecord[] = [];
  onRecord: ((r: GroundTruthRecord) => void) | undefined;
  constructor(private readonly file: string | undefined) {}

  record(
    kind: GroundTruthRecord['kind'],
    fields: Omit<GroundTruthRecord, 'at' | 'kind'> = {},
  ): GroundTruthRecord {
    const r: GroundTruthRecord = { at: new Date().toISOString(), kind, ...fields };
    this.records.push(r);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(r)}\n`);
    this.onRecord?.(r);
    return r;
  }
}
