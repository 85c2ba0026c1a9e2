import type { OpenAPIObject } from '@nestjs/swagger';
import {
  ADMIN_POLICY,
  INSTITUTION_COMMAND_POLICY,
  PATENT_COMMAND_POLICY,
  PLAN_COMMAND_POLICY,
  PATENT_RECORDS_POLICY,
  READ_POLICY,
  REGISTRY_COMMAND_POLICY,
  DEMAND_COMMAND_POLICY,
  NEEDS_READ_POLICY,
  PROMOTION_COMMAND_POLICY,
} from '@patent-ledger/access';

type Row = { rule: string; allowedTo: string };
const row = (r: Row): Row => ({ rule: r.rule, allowedTo: r.allowedTo });
const P = PATENT_COMMAND_POLICY;

/** Which policy row governs each operation (`METHOD path` as the OpenAPI document names it). */
const ROUTES: Record<string, Row | 'public'> = {
  'get /': 'public',
  'get /health': 'public',
  'get /chain/key': row(READ_POLICY.chain),
  'get /chain/heads/latest': row(READ_POLICY.chain),
  'get /chain/heads': row(READ_POLICY.chain),
  'get /chain/consistency': row(READ_POLICY.chain),
  'post /auth/login': 'public',
  'post /auth/logout': 'public',
  'get /auth/config': 'public',
  'get /.well-known/jwks.json': 'public',
  'get /auth/me': { rule: 'read', allowedTo: 'every authenticated role' },
  'put /institutions/{institutionId}': row(INSTITUTION_COMMAND_POLICY.RegisterInstitution),
  'get /institutions/{institutionId}': row(READ_POLICY.institution),
  'put /plans/{planId}': row(PLAN_COMMAND_POLICY.PublishPlan),
  'get /plans': row(READ_POLICY.plans),
  'get /kpis': row(READ_POLICY.kpis),
  'put /enterprises/{enterpriseId}': row(REGISTRY_COMMAND_POLICY.RegisterEnterprise),
  'put /experts/{expertId}': row(REGISTRY_COMMAND_POLICY.RecommendExpert),
  'get /enterprises': {
    rule: 'read',
    allowedTo:
      'every authenticated role; an enterprise’s contact only for ip-office and the enterprise itself',
  },
  'get /experts': row(READ_POLICY.registry),
  'post /needs': row(DEMAND_COMMAND_POLICY.PostNeed),
  'get /needs': row(NEEDS_READ_POLICY),
  'get /needs/{needId}': row(NEEDS_READ_POLICY),
  'post /needs/{needId}/answer': row(DEMAND_COMMAND_POLICY.AnswerNeed),
  'post /needs/{needId}/withdraw': row(DEMAND_COMMAND_POLICY.WithdrawNeed),
  'post /projects': row(DEMAND_COMMAND_POLICY.OpenProject),
  'get /projects': row(NEEDS_READ_POLICY),
  'get /projects/{projectId}': row(NEEDS_READ_POLICY),
  'post /projects/{projectId}/close': row(DEMAND_COMMAND_POLICY.CloseProject),
  'post /salons': row(PROMOTION_COMMAND_POLICY.RecordSalon),
  'get /salons': row(READ_POLICY.promotion),
  'get /salons/quarters': row(READ_POLICY.promotion),
  'get /salons/{salonId}': row(READ_POLICY.promotion),
  'post /key-promotions': row(PROMOTION_COMMAND_POLICY.OpenKeyPromotion),
  'post /key-promotions/{keyPromotionId}/patents': row(PROMOTION_COMMAND_POLICY.ChangeKeyPromotionPatents),
  'post /key-promotions/{keyPromotionId}/close': row(PROMOTION_COMMAND_POLICY.CloseKeyPromotion),
  'get /key-promotions': row(READ_POLICY.promotion),
  'get /key-promotions/{keyPromotionId}': row(READ_POLICY.promotion),
  'post /services': row(PROMOTION_COMMAND_POLICY.RecordTechnologyService),
  'get /services': row(READ_POLICY.promotion),
  'get /services/{serviceId}': row(READ_POLICY.promotion),
  'post /patents': row(P.InventoryPatent),
  'post /patents/batch': { rule: 'inventory', allowedTo: `${P.InventoryPatent.allowedTo}, line by line` },
  'post /patents/{id}/intent': row(P.TagIntent),
  'post /patents/{id}/evaluations': row(P.EvaluatePatent),
  'post /patents/{id}/promotions': row(P.PromotePatent),
  'post /patents/{id}/transfers': row(P.TransferPatent),
  'post /patents/{id}/transfers/{dealId}/registration': row(P.RegisterTransfer),
  'post /patents/{id}/equity-contributions': row(P.RecordEquityContribution),
  'get /patents/unused': row(READ_POLICY['unused-patents']),
  'post /patents/{id}/licenses': row(P.LicensePatent),
  'post /patents/{id}/licenses/{dealId}/recordal': row(P.RecordLicense),
  'post /patents/{id}/industrializations': row(P.IndustrializePatent),
  'post /patents/{id}/industrializations/{industrializationId}/density-filing': row(P.FileDensityProduct),
  'post /patents/{id}/open-license': row(P.DeclareOpenLicense),
  'delete /patents/{id}/open-license': row(P.WithdrawOpenLicense),
  'post /patents/{id}/open-license/takers': row(P.TakeOpenLicense),
  'post /patents/{id}/transaction-reports': row(P.ReportTransaction),
  'post /patents/{id}/lapse': row(P.LapsePatent),
  'post /patents/{id}/deals/{dealId}/ending': row(P.EndDeal),
  'post /patents/{id}/annuities': row(P.PayAnnuity),
  'post /patents/{id}/pledges': row(P.RegisterPledge),
  'post /patents/{id}/pledges/{pledgeId}/release': row(P.ReleasePledge),
  'post /patents/{id}/consents': row(P.RecordConsent),
  'get /patents/{id}/annuities': { rule: 'read', allowedTo: 'every authenticated role' },
  'get /patents/{id}': {
    rule: 'read',
    allowedTo:
      'every authenticated role; deal money, evaluations in full and inventors only for the holder, the counterparty of that deal, ip-office, auditor',
  },
  'get /patents/{id}/history': row(PATENT_RECORDS_POLICY),
  'get /patents/{id}/events': row(PATENT_RECORDS_POLICY),
  'get /patents/{id}/verify': row(PATENT_RECORDS_POLICY),
  'get /patents/{id}/evidence': row(PATENT_RECORDS_POLICY),
  'get /patents/{id}/provenance': row(PATENT_RECORDS_POLICY),
  'get /resource-pool': {
    rule: 'read',
    allowedTo: 'every authenticated role; the asking price only for its institution, ip-office, auditor',
  },
  'get /resource-pool/{id}': {
    rule: 'read',
    allowedTo: 'every authenticated role; the asking price only for its institution, ip-office, auditor',
  },
  'get /progress': row(READ_POLICY.progress),
  'get /obligations': row(READ_POLICY.obligations),
  'get /audit': row(READ_POLICY['audit-trail']),
  'get /projections': row(READ_POLICY.projections),
  'post /projections/{name}/resume': row(ADMIN_POLICY['projection-control']),
  'get /users': row(ADMIN_POLICY.accounts),
  'post /users': row(ADMIN_POLICY.accounts),
  'get /users/{userId}': row(ADMIN_POLICY.accounts),
  'put /users/{userId}/password': row(ADMIN_POLICY.accounts),
  'post /users/{userId}/disable': row(ADMIN_POLICY.accounts),
  'post /users/{userId}/enable': row(ADMIN_POLICY.accounts),
  'get /access/denials': row(ADMIN_POLICY.denials),
  // Events out and operations (apps/api/src/events, apps/api/src/observability).
  'get /health/live': 'public',
  'get /health/ready': 'public',
  'get /metrics': {
    rule: 'metrics',
    allowedTo: 'the scrape token (LEDGER_METRICS_TOKEN_FILE) or an ip-office admin',
  },
  'get /events/stream': {
    rule: 'patent-records',
    allowedTo: `every authenticated role, each receiving only what it may read: a patent's events and reminders go to ${PATENT_RECORDS_POLICY.allowedTo}; an institution's events to that institution, ip-office and auditor`,
  },
  ...Object.fromEntries(
    [
      'post /webhooks',
      'get /webhooks',
      'delete /webhooks/{id}',
      'get /webhooks/{id}/dead-letters',
      'post /webhooks/{id}/dead-letters/replay',
      'post /webhooks/{id}/dead-letters/{deadLetterId}/replay',
      'post /reminders/run',
    ].map((route) => [route, { rule: 'webhook-admin', allowedTo: 'an ip-office admin' }]),
  ),
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Declares in the OpenAPI document who may call each operation: `security` (none for the public
 * ones, the bearer scheme for the rest) and `x-access` with the policy row (`rule`, `allowedTo`),
 * also appended to the description. An operation without a row is reported as `x-access: unknown`
 * (a test fails on it).
 */
export function documentAccess(doc: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, Record<string, unknown> | undefined>)[method];
      if (!op) continue;
      const access = ROUTES[`${method} ${path}`];
      if (access === 'public') {
        op['security'] = [];
        op['x-access'] = { rule: 'public', allowedTo: 'anyone (no credential)' };
        continue;
      }
      op['security'] = [{ bearer: [] }];
      op['x-access'] = access ?? 'unknown';
      if (access) {
        const d = typeof op['description'] === 'string' ? `${op['description']}\n\n` : '';
        op['description'] = `${d}Allowed to: ${access.allowedTo} (rule \`${access.rule}\`).`;
      }
    }
  }
  return doc;
}
