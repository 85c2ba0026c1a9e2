/**
 * JSON Schema (draft 2020-12) of a plan document, as `PUT /plans/{planId}` takes it; the same text is
 * shipped as docs/plans/plan.schema.json (a test keeps the two equal). The api checks a body against
 * it first (ajv), then `validatePlanDocument` checks what a schema cannot say (unique milestone ids,
 * real calendar dates, due dates after the programme start).
 */
export const PLAN_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://patent-ledger.example/schemas/plan.schema.json',
  title: 'patent-ledger programme plan',
  type: 'object',
  additionalProperties: false,
  required: ['planId', 'version', 'title', 'province', 'effectiveFrom', 'programmeStart', 'milestones'],
  properties: {
    planId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
    version: { type: 'integer', minimum: 1, maximum: 1000000 },
    title: { type: 'string', minLength: 1, maxLength: 500 },
    province: { type: 'string', minLength: 1, maxLength: 50 },
    effectiveFrom: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    programmeStart: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    needResponseWorkingDays: { type: 'integer', minimum: 1, maximum: 250 },
    milestones: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'metric', 'target', 'due', 'appliesTo'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
          description: { type: 'string', minLength: 1, maxLength: 500 },
          metric: { enum: ['inventory-coverage', 'evaluation-coverage', 'promotion-launched'] },
          target: { type: 'number', exclusiveMinimum: 0 },
          due: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          stage: { enum: ['staged', 'final'] },
          appliesTo: {
            type: 'object',
            additionalProperties: false,
            required: ['scope'],
            properties: {
              scope: { enum: ['group', 'institutions', 'all-institutions', 'province'] },
              group: { enum: ['tyut', 'key4', 'other'] },
              institutions: {
                type: 'array',
                minItems: 1,
                maxItems: 5000,
                items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
              },
            },
          },
        },
      },
    },
  },
} as const;
