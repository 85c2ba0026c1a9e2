import { PLAN_SCHEMA } from '@patent-ledger/domain';
// ajv is what the tooling already carries (a dependency of @nestjs/cli and @readme/openapi-parser); the
// draft 2020-12 build matches the schema's $schema.
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject } from 'ajv';
import { ProblemException } from '../common/problem';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(PLAN_SCHEMA as unknown as Record<string, unknown>);

/** `/milestones/2/target` → `milestones[2].target` (the field style of every other problem). */
function fieldOf(instancePath: string, child?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? 'plan' : out;
}

function describe(e: ErrorObject): { field: string; message: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const field = fieldOf(e.instancePath, String(p['missingProperty']));
      return { field, message: `${field} is required` };
    }
    case 'additionalProperties': {
      const field = fieldOf(e.instancePath, String(p['additionalProperty']));
      return { field, message: `${field} is not a field of a plan document` };
    }
    case 'enum': {
      const field = fieldOf(e.instancePath);
      return { field, message: `${field} must be one of ${(p['allowedValues'] as unknown[]).join(', ')}` };
    }
    default: {
      const field = fieldOf(e.instancePath);
      return { field, message: `${field} ${e.message ?? 'is invalid'}` };
    }
  }
}

/**
 * Checks a plan document against its JSON Schema (docs/plans/plan.schema.json): a 400 problem naming
 * every failing field (`PLAN.SCHEMA_INVALID`), before anything is decided or appended.
 */
export function checkPlanSchema(body: unknown): void {
  if (validate(body)) return;
  const seen = new Set<string>();
  const errors = (validate.errors ?? []).map(describe).filter((x) => {
    const k = `${x.field}\0${x.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  throw ProblemException.of(
    400,
    'PLAN.SCHEMA_INVALID',
    `the plan does not match its schema: ${errors.map((x) => x.message).join('; ')}`,
    { errors },
  );
}
