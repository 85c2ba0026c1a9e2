/**
 * What no field of a request body may hold, whatever its DTO says (issue 12, item 5):
 *
 * - text with NUL or another C0 control character (TAB, LF and CR excepted: notes have lines), DEL,
 *   a lone UTF-16 surrogate (not text; stored, it breaks every UTF-8 consumer), or a bidirectional
 *   override or isolate (U+202A–U+202E, U+2066–U+2069: "Trojan source" text that reads one way and
 *   is stored another);
 * - a key `__proto__`, `constructor` or `prototype` (unknown to every DTO; refused before anything
 *   could merge it into an object);
 * - nesting deeper than MAX_JSON_DEPTH (validation recurses per level: a deep body would exhaust the
 *   stack and answer 500).
 *
 * The walk is iterative, so the check itself never recurses.
 */
import type { NextFunction, Request, Response } from 'express';
import { problem, PROBLEM_CONTENT_TYPE } from './problem';

/** Objects and arrays nested deeper than this are refused (the deepest DTO nests 3 levels). */
export const MAX_JSON_DEPTH = 16;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

const hex = (c: string): string => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a text may not be stored, or undefined when it may. */
export function textProblem(s: string): string | undefined {
  const control = CONTROL.exec(s);
  if (control) return `contains the control character ${hex(control[0])}`;
  const lone = LONE_SURROGATE.exec(s);
  if (lone) return `contains a lone surrogate ${hex(lone[0])} (not valid Unicode text)`;
  const bidi = BIDI_CONTROL.exec(s);
  if (bidi) return `contains the bidirectional control ${hex(bidi[0])}`;
  return undefined;
}

export interface JsonProblem {
  code: 'REQUEST.VALIDATION_FAILED' | 'REQUEST.TOO_DEEP';
  field: string;
  message: string;
}

const child = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** The first thing in a parsed JSON value that may not be stored; undefined when there is none. */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    const field = path || '(body)';
    if (typeof v === 'string') {
      const why = textProblem(v);
      if (why) return { code: 'REQUEST.VALIDATION_FAILED', field, message: `${field} ${why}` };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) {
      return {
        code: 'REQUEST.TOO_DEEP',
        field,
        message: `${field} nests objects or arrays deeper than ${maxDepth} levels`,
      };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], path: child(path, i), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const at = child(path, key);
      if (FORBIDDEN_KEYS.has(key)) {
        return { code: 'REQUEST.VALIDATION_FAILED', field: at, message: `${at} is not a known field` };
      }
      const why = textProblem(key);
      if (why)
        return {
          code: 'REQUEST.VALIDATION_FAILED',
          field: at,
          message: `the name of ${JSON.stringify(at)} ${why}`,
        };
      stack.push({ value: (v as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

/** The problem document of a JsonProblem (400, naming the field). */
export function jsonProblemDocument(p: JsonProblem, instance: string) {
  return problem(
    400,
    p.code,
    p.code === 'REQUEST.TOO_DEEP' ? p.message : `the request has 1 invalid field(s): ${p.field}`,
    { errors: [{ field: p.field, message: p.message }], instance },
  );
}

/** Express middleware after the JSON body parser: refuses a body jsonProblem finds fault with. */
export function rejectUnsafeJson(req: Request, res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  if (body === undefined || body === null || typeof body !== 'object') return next();
  const p = jsonProblem(body);
  if (!p) return next();
  res
    .status(400)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(jsonProblemDocument(p, req.originalUrl)));
}
