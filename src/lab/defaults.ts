import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a lab lives unless told otherwise; a module of its own so the CLI's help can name it cheaply. */
export const defaultLabStateDir = (): string => process.env.DRILL_LAB_DIR ?? join(tmpdir(), 'drill-lab');
