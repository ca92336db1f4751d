import { LabFault } from './fault.js';

/** One page of a Describe call's list and, when more follow, the Marker that asks for them. */
export interface Page<T> {
  items: T[];
  marker: string | undefined;
}

/**
 * RDS's MaxRecords/Marker paging: MaxRecords 20-100 (default 100), anything else InvalidParameterValue as RDS
 * words it. The marker is opaque to clients; the lab's says where the next page starts and which call made it,
 * so a marker handed to another action is refused rather than misread.
 */
export function pageOf<T>(items: T[], p: URLSearchParams, action: string): Page<T> {
  const max = maxRecords(p.get('MaxRecords'));
  const start = markerOffset(p.get('Marker'), action);
  const next = start + max;
  return {
    items: items.slice(start, next),
    marker: next < items.length ? Buffer.from(`${action}:${next}`).toString('base64url') : undefined,
  };
}

function maxRecords(given: string | null): number {
  if (given === null || given === '') return 100;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 20 || n > 100) {
    throw new LabFault(
      'InvalidParameterValue',
      `Invalid value ${given} for MaxRecords. Must be between 20 and 100`,
    );
  }
  return n;
}

function markerOffset(marker: string | null, action: string): number {
  if (marker === null || marker === '') return 0;
  const m = /^([A-Za-z]+):(\d+)$/.exec(Buffer.from(marker, 'base64url').toString('utf8'));
  if (!m || m[1] !== action) throw new LabFault('InvalidParameterValue', `Invalid marker: ${marker}`);
  return Number(m[2]);
}
