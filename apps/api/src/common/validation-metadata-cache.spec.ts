import 'reflect-metadata';
import { IsInt, IsString, Min, ValidateNested, getMetadataStorage, validateSync } from 'class-validator';
import { Type, plainToInstance } from 'class-transformer';
import { cacheValidationMetadata } from './validation-metadata-cache';

class Inner {
  @IsInt()
  @Min(1)
  count!: number;
}

class Outer {
  @IsString()
  name!: string;

  @ValidateNested()
  @Type(() => Inner)
  inner!: Inner;
}

const errorsOf = <T extends object>(cls: new () => T, plain: object): string =>
  JSON.stringify(validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true }));

describe('class-validator metadata cache', () => {
  const bad = { name: 7, inner: { count: 0, extra: true }, other: 1 };
  const before = errorsOf(Outer, bad);
  cacheValidationMetadata();

  it('given the cache, when a body is validated, then the errors are those without it', () => {
    expect(errorsOf(Outer, bad)).toBe(before);
    expect(errorsOf(Outer, bad)).toBe(before);
    expect(errorsOf(Outer, { name: 'a', inner: { count: 2 } })).toBe('[]');
  });

  it('given the cache, when the rules of a class are asked twice, then the first answer is kept', () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Outer, '', false, false);
    expect(first.length).toBeGreaterThan(0);
    expect(storage.getTargetValidationMetadatas(Outer, '', false, false)).toBe(first);
    // Other options are another answer.
    expect(storage.getTargetValidationMetadatas(Outer, '', false, false, ['g'])).not.toBe(first);
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(first));
  });

  it('given the cache, when a class with rules is declared later, then its rules apply', () => {
    const storage = getMetadataStorage();
    const kept = storage.getTargetValidationMetadatas(Outer, '', false, false);
    class Later {
      @IsInt()
      n!: number;
    }
    expect(storage.getTargetValidationMetadatas(Outer, '', false, false)).not.toBe(kept);
    expect(errorsOf(Later, { n: 'x' })).toContain('isInt');
    expect(errorsOf(Later, { n: 3 })).toBe('[]');
  });

  it('given the cache is installed twice, when validating, then it wraps the storage once', () => {
    const storage = getMetadataStorage();
    const wrapped = storage.getTargetValidationMetadatas;
    cacheValidationMetadata();
    expect(storage.getTargetValidationMetadatas).toBe(wrapped);
    expect(errorsOf(Outer, bad)).toBe(before);
  });
});
