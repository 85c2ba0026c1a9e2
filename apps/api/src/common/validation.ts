import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { cacheValidationMetadata } from './validation-metadata-cache';
import { ProblemException } from './problem';

/** What a type check expects, for "must be …, got …". */
const EXPECTED: Record<string, { type: string; text: string }> = {
  isInt: { type: 'number', text: 'an integer' },
  isNumber: { type: 'number', text: 'a number' },
  isString: { type: 'string', text: 'a string' },
  isBoolean: { type: 'boolean', text: 'true or false' },
  isArray: { type: 'array', text: 'an array' },
  nestedValidation: { type: 'object', text: 'an object' },
};

const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
const A_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
};

/**
 * The messages of one field, most telling first: a missing required field is "required" (not "must
 * not be greater than 9"); a value of the wrong JSON type says what was expected and what came
 * (`must be an integer, got a string`); otherwise the failed rules.
 */
function messagesOf(field: string, e: ValidationError): string[] {
  const constraints = e.constraints ?? {};
  const names = Object.keys(constraints);
  if (names.length === 0) return [];
  if (names.includes('whitelistValidation')) return names.map((n) => constraints[n]!);
  if (e.value === undefined || e.value === null) return [`${field} is required`];
  const got = typeOf(e.value);
  for (const name of names) {
    const expected = EXPECTED[name];
    // `each: true` checks are about the elements of an array: their own message says so.
    if (expected && expected.type !== got && !(got === 'array' && name !== 'isArray')) {
      return [`${field} must be ${expected.text}, got ${A_TYPE[got] ?? got}`];
    }
  }
  return names.map((n) => constraints[n]!);
}

/** Flattens nested class-validator errors into `{field: 'screening.decision', message}` entries. */
export function flattenValidationErrors(
  errors: ValidationError[],
  prefix = '',
): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  for (const e of errors) {
    const field = prefix
      ? /^\d+$/.test(e.property)
        ? `${prefix}[${e.property}]`
        : `${prefix}.${e.property}`
      : e.property;
    const messages = messagesOf(field, e);
    for (const message of messages) out.push({ field, message });
    // A nested object that is missing or not an object has no children worth reporting.
    if (e.children?.length && messages.length === 0) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/** whitelist + forbid unknown fields + transform; failures are 400 problems naming each field. */
export function ledgerValidationPipe(): ValidationPipe {
  // The rules of each class are looked up once, not per request (see validation-metadata-cache).
  cacheValidationMetadata();
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // Every failed rule of a field, so that the most telling one can be chosen (messagesOf).
    stopAtFirstError: false,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => {
      const list = flattenValidationErrors(errors);
      return ProblemException.of(
        400,
        'REQUEST.VALIDATION_FAILED',
        `the request has ${new Set(list.map((e) => e.field)).size} invalid field(s): ${[...new Set(list.map((e) => e.field))].join(', ')}`,
        { errors: list },
      );
    },
  });
}
