import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException } from './problem';

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
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/** whitelist + forbid unknown fields + transform; failures are 400 problems naming each field. */
export function ledgerValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
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
