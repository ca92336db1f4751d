/** Values the lab's awsQuery responses are made of. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | XmlValue[]
  | { [name: string]: XmlValue };

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Serialises a value the way awsQuery services do: elements named after fields, lists wrapped in their field's
 * element with one child per item, named by `memberName` (the service model's xmlName, else `member`).
 */
export function toXml(name: string, value: XmlValue, memberName: (list: string) => string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const member = memberName(name);
    return `<${name}>${value.map((v) => toXml(member, v, memberName)).join('')}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => toXml(k, v, memberName))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * The body of a successful awsQuery call: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>`;
 * actions without output (SNS DeleteTopic, Unsubscribe) have no Result element.
 */
export function queryResponse(
  action: string,
  namespace: string,
  result: Record<string, XmlValue> | undefined,
  requestId: string,
  memberName: (list: string) => string,
): string {
  const inner =
    result &&
    Object.entries(result)
      .map(([k, v]) => toXml(k, v, memberName))
      .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">` +
    (inner === undefined ? '' : `<${action}Result>${inner}</${action}Result>`) +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** awsQuery's error body: `<ErrorResponse><Error><Type><Code><Message></Error><RequestId>`. */
export function queryError(
  namespace: string,
  code: string,
  message: string,
  requestId: string,
  sender = true,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error>` +
    `<Type>${sender ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** Reads awsQuery's flattened lists (`Filters.Filter.1.Name`, `EventCategories.EventCategory.1`). */
export function queryList(params: URLSearchParams, prefix: string): string[] {
  const out: [number, string][] = [];
  for (const [k, v] of params) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(?:[A-Za-z]+\\.)?(\\d+)$`).exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** Reads an awsQuery string map (`Attributes.entry.1.key`, `Attributes.entry.1.value`). */
export function queryMap(params: URLSearchParams, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let n = 1; params.has(`${prefix}.entry.${n}.key`); n++) {
    out.set(params.get(`${prefix}.entry.${n}.key`) as string, params.get(`${prefix}.entry.${n}.value`) ?? '');
  }
  return out;
}
