import { LabFault } from './fault.js';

export type Json = Record<string, unknown>;

/**
 * One awsJson1_1 request answered (MemoryDB, Secrets Manager): the body parsed as a JSON object, `operation`
 * run on it, and errors as the services send them, `{"__type", "message"}` with the fault's HTTP status.
 */
export function answerJson(body: string, operation: (input: Json) => Json): { status: number; body: string } {
  try {
    let input: Json;
    try {
      input = body.trim() ? (JSON.parse(body) as Json) : {};
    } catch {
      throw new LabFault('SerializationException', 'The request body is not valid JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new LabFault('SerializationException', 'The request body must be a JSON object.');
    }
    return { status: 200, body: JSON.stringify(operation(input)) };
  } catch (err) {
    if (err instanceof LabFault) {
      return { status: err.status, body: JSON.stringify({ __type: err.code, message: err.message }) };
    }
    return {
      status: 500,
      body: JSON.stringify({ __type: 'InternalServerError', message: (err as Error).message }),
    };
  }
}
