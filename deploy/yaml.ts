/**
 * A YAML writer for the plain data of Kubernetes manifests (objects, arrays, strings, numbers, booleans,
 * null). Every string is written double-quoted with JSON escapes, which YAML 1.2 reads as the same string,
 * so no value ("on", "0/3", "$(SEGMENT_INDEX)") can turn into a boolean or number. No dependency.
 */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value.map((v) => `\n${indent}- ${nested(v, `${indent}  `)}`).join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return entries.map(([k, v]) => `\n${indent}${scalar(k)}:${isBlock(v) ? toYaml(v, `${indent}  `) : ` ${scalar(v)}`}`).join('');
  }
  return scalar(value);
}

/** Multi-document YAML: each manifest after a `---` line. */
export function toYamlDocuments(docs: readonly unknown[]): string {
  return docs.map((d) => `---${toYaml(d)}\n`).join('');
}

function isBlock(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

/** An array item: a block object starts on the dash's line, its other keys indented under it. */
function nested(v: unknown, indent: string): string {
  if (!isBlock(v)) return scalar(v);
  if (Array.isArray(v)) return toYaml(v, indent).trimStart();
  return toYaml(v, indent).replace(/^\n\s*/, '');
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  throw new Error(`cannot write ${typeof v} as YAML`);
}
