import type { FormInstance } from 'antd';
import { ApiError } from './client';

/**
 * Puts the server's field errors next to the fields of an antd form.
 * Returns the messages that match no field of the form (to show above it), or the
 * whole problem's text when the error carries no field errors.
 */
export function applyServerErrors<T extends object>(
  form: FormInstance<T>,
  error: unknown,
  fields: readonly (keyof T & string)[],
): string[] {
  if (!(error instanceof ApiError)) return [error instanceof Error ? error.message : String(error)];
  if (error.errors.length === 0) return [error.display];
  const byField = new Map<string, string[]>();
  const unmatched: string[] = [];
  for (const fe of error.errors) {
    // "roles.0" or "/roles/0" → "roles"
    const name = fe.field.replace(/^\//, '').split(/[./[]/)[0] ?? '';
    if ((fields as readonly string[]).includes(name)) {
      byField.set(name, [...(byField.get(name) ?? []), fe.message]);
    } else {
      unmatched.push(fe.field ? `${fe.field}: ${fe.message}` : fe.message);
    }
  }
  form.setFields(
    [...byField].map(([name, errors]) => ({
      name: name as Parameters<typeof form.getFieldError>[0],
      errors,
    })),
  );
  return unmatched;
}
