import { applyDecorators } from '@nestjs/common';
import { isIsoDate } from '@patent-ledger/domain';
import { Transform } from 'class-transformer';
import {
  IsOptional,
  IsString,
  Length,
  Matches,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';

/** A calendar date YYYY-MM-DD that exists (2023-02-29 does not). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      ...(options ? { options } : {}),
      validator: {
        validate: (value: unknown) => isIsoDate(value),
        defaultMessage: (args) => `${args?.property} must be a calendar date YYYY-MM-DD`,
      },
    });
}

/** The ids callers give records (deals, needs, salons, enterprises …): as the domain's requireId. */
export const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A record id: 1–128 letters, digits or . _ : - starting with a letter or digit. */
export function IsRecordId(message?: string): PropertyDecorator {
  return Matches(RECORD_ID, {
    message:
      message ?? '$property must be 1-128 letters, digits or . _ : - (starting with a letter or digit)',
  });
}

const MONEY_RE = /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/;

/** CNY as a decimal string of yuan ("1250000.00") or a non-negative integer number of fen. */
export function IsMoney(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isMoney',
      target: target.constructor,
      propertyName: propertyName as string,
      ...(options ? { options } : {}),
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && MONEY_RE.test(value)) ||
          (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0),
        defaultMessage: (args) =>
          `${args?.property} must be a decimal string of yuan (e.g. "1250000.00") or an integer number of fen`,
      },
    });
}

/**
 * An optional free text of at most `max` characters: an empty or blank string is taken as absent
 * (a form's empty field), not as a text that is too short.
 */
export function OptionalText(max: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && value.trim() === '' ? undefined : value,
    ),
    IsOptional(),
    IsString(),
    Length(1, max),
  );
}
