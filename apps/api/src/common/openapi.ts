/**
 * Completes the generated OpenAPI document: OpenAPI 3.1, a schema for every success response (the
 * command outcome, each read model's item and page), RFC 9457 problem+json for every error response,
 * and a description for every parameter. What a controller documents itself (its decorators) is kept;
 * this fills what it leaves out, from the tables below, so that every operation is documented the same
 * way (`test/e2e/openapi.e2e.spec.ts` checks that none is left out and validates the document).
 */
import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = Record<string, unknown>;
type Operation = {
  parameters?: { name: string; in: string; description?: string; schema?: Schema }[];
  responses?: Record<
    string,
    { description?: string; content?: Record<string, { schema?: Schema }>; headers?: Schema }
  >;
  security?: unknown[];
  requestBody?: unknown;
};

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', description, ...extra });
const date = (description: string): Schema => str(description, { format: 'date' });
const instant = (description: string): Schema => str(description, { format: 'date-time' });
const obj = (properties: Record<string, Schema>, required: string[] = [], description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  ...(required.length ? { required } : {}),
});
const list = (items: Schema, description?: string): Schema => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});
const page = (item: string, extra: Record<string, Schema> = {}): Schema =>
  obj(
    {
      items: list(ref(item)),
      total: int('entries that match the filter'),
      asOfPosition: int('the log position the listing is a snapshot of (kept in the cursor)'),
      nextCursor: {
        type: ['string', 'null'],
        description: 'pass as `cursor` for the next page; null at the end',
      },
      ...extra,
    },
    ['items'],
  );

/** Schemas the responses refer to. */
export const SCHEMAS: Record<string, Schema> = {
  Problem: obj(
    {
      type: str('URI of the problem type: urn:patent-ledger:problem:<code>'),
      title: str('the HTTP status text'),
      status: int('the HTTP status'),
      detail: str('what went wrong, for a person'),
      instance: str('the path (and query) of the request'),
      code: str('stable error code, e.g. PATENT.NOT_IN_POOL or REQUEST.VALIDATION_FAILED'),
      errors: list(
        obj({ field: str('the field, e.g. screening.decision'), message: str('why') }, ['field', 'message']),
        'the invalid fields (400)',
      ),
    },
    ['type', 'title', 'status', 'detail', 'instance', 'code'],
    'RFC 9457 problem details',
  ),
  Actor: obj(
    {
      role: str('institution, enterprise, ip-office, auditor, analyst or system'),
      orgId: str('organisation'),
      userId: str('user'),
    },
    ['role', 'orgId', 'userId'],
  ),
  CommandOutcome: obj(
    {
      streamName: str('the stream the command appended to, e.g. patent-201710601862.3'),
      version: int("the stream's version after the command (its ETag)"),
      events: list(
        obj(
          {
            eventId: str('event id', { format: 'uuid' }),
            type: str('event type, e.g. PatentInventoried'),
            version: int('its place in the stream'),
            position: int('its place in the global log (pass as minPosition to read your write)'),
            recordedAt: instant('when it was stored'),
          },
          ['eventId', 'type', 'version', 'position', 'recordedAt'],
        ),
        'the events appended (none when the command changed nothing)',
      ),
    },
    ['streamName', 'version', 'events'],
    'What a command appended',
  ),
  StoredEvent: obj(
    {
      streamName: str('stream'),
      version: int('place in the stream'),
      position: int('place in the global log'),
      type: str('event type'),
      data: obj({}, [], 'the event data (see the domain glossary)'),
      metadata: obj(
        {
          eventId: str('event id'),
          commandId: str('the command (Idempotency-Key)'),
          correlationId: str('correlation id'),
          causationId: str('causation id'),
          actor: ref('Actor'),
          recordedAt: instant('when it was stored'),
          schemaVersion: int('shape version of the data'),
        },
        ['eventId', 'commandId', 'actor', 'recordedAt'],
      ),
      hash: str('SHA-256 of the event and the previous hash (hex)'),
    },
    ['streamName', 'version', 'position', 'type', 'data', 'metadata'],
  ),
  AuditEntry: obj(
    {
      position: int('place in the global log'),
      streamName: str('stream'),
      version: int('place in the stream'),
      eventType: str('event type'),
      businessDate: date('the business date of the event'),
      recordedAt: instant('when it was stored'),
      actor: ref('Actor'),
      commandId: str('the command'),
      correlationId: str('correlation id'),
      causationId: str('causation id'),
      eventId: str('event id'),
      data: obj({}, [], 'the event data'),
    },
    ['position', 'streamName', 'version', 'eventType', 'businessDate', 'recordedAt', 'actor'],
    'One event of the audit trail',
  ),
  PatentView: obj(
    {
      applicationNumber: str('CNIPA application number'),
      version: int("the patent's version (its ETag)"),
      state: obj(
        { status: str('active, lapsed, ...') },
        ['status'],
        "the patent's state folded from its events",
      ),
      asOf: date('the business date asked for'),
      knownAt: instant('the instant asked for'),
      standing: obj(
        {
          status: str(
            'in-force, expired (after the last day of protection) or lapsed (recorded, or an annuity unpaid past its grace period)',
          ),
          lastDayOfProtection: date('the last day of the term (专利法 Art. 42)'),
          reason: str('lapsed: expired, non-payment, invalidated or abandoned'),
          effectiveOn: date('lapsed: the first day not in force'),
          lastDayInForce: date(
            'lapsed: the last day in force (for non-payment, the end of the last paid year)',
          ),
          derived: { type: 'boolean', description: 'lapsed: derived from an unpaid annuity, not recorded' },
        },
        ['status'],
        'in force, expired or lapsed on asOf (default today), derived from the dates',
      ),
    },
    ['applicationNumber', 'version', 'state'],
  ),
  AnnuitySchedule: obj(
    {
      applicationNumber: str('CNIPA application number'),
      asOf: date('the business date of the statuses'),
      standing: obj({ status: str('in-force, expired or lapsed') }, ['status']),
      tracked: { type: 'boolean', description: 'the ledger knows which annuities are paid' },
      paidThrough: int('the last year of protection paid'),
      items: list(
        obj(
          {
            year: int('year of protection (from the filing date)'),
            from: date('first day of the year'),
            to: date('last day of the year'),
            dueDate: date('due (the anniversary, moved to a working day: 细则 r.5)'),
            graceEnd: date('last day it can be paid, with surcharge (6 months)'),
            provisional: { type: 'boolean', description: 'the holiday calendar does not cover the year yet' },
            status: str('paid, due, in-grace, unpaid, not-due or unknown'),
            surchargePercent: int('in-grace: surcharge if paid on asOf (5 % per month late)'),
            openLicenseReduction: {
              type: 'boolean',
              description: 'reduced while an open licence is in effect (专利法 Art. 51 ¶2)',
            },
            payment: obj({ paidOn: date('paid on'), amount: str('CNY'), surchargePercent: int('surcharge') }),
          },
          ['year', 'dueDate', 'graceEnd', 'status'],
        ),
      ),
    },
    ['applicationNumber', 'asOf', 'tracked', 'items'],
    'The annuities (年费) of a patent as of a date',
  ),
  InstitutionView: obj(
    {
      institutionId: str('institution id'),
      version: int("the institution stream's version"),
      state: obj(
        {
          status: str('registered'),
          name: str('name'),
          kind: str('university, research-institute or hospital'),
          province: str('province'),
          milestoneGroup: str('tyut, key4 or other'),
          stockPatentCount: int('the stock count in force (the latest)'),
          registeredOn: date('registration date'),
          revisions: list(
            obj({ stockPatentCount: int('count'), reason: str('why'), occurredOn: date('from') }),
          ),
        },
        ['status'],
      ),
    },
    ['institutionId', 'version', 'state'],
  ),
  PoolEntry: obj(
    {
      applicationNumber: str('CNIPA application number'),
      institutionId: str('institution'),
      title: str('title'),
      kind: str('invention, utility-model or design'),
      ipc: list(str('IPC class')),
      grantDate: date('grant date'),
      cohort: str('stock or new'),
      highValue: { type: 'boolean', description: 'a high-value invention patent (any flag)' },
      highValueFlags: obj({}, [], 'the five high-value flags'),
      modes: list(str('transfer, license, self-implementation or equity')),
      askingPrice: str('CNY (only for its institution, ip-office and auditors)'),
      admittedOn: date('admitted to the pool on'),
      status: str(
        'as of asOf: available, in-deal, transferred, licensed, open-licensed, industrialized, lapsed or expired',
      ),
      expiryDate: date('the last day of protection (专利法 Art. 42)'),
      nextAnnuity: obj(
        { year: int('year of protection'), dueDate: date('due'), graceEnd: date('end of the grace period') },
        [],
        'the next annuity the ledger knows is unpaid',
      ),
      evaluationSummary: obj({
        count: int('evaluations'),
        meanProspect: { type: ['number', 'null'], description: 'mean industrialization prospect' },
      }),
      promotions: list(obj({})),
      featured: { type: 'boolean', description: 'promoted in the featured tier' },
      lastActivity: obj({
        position: int('position'),
        on: date('business date'),
        eventType: str('event type'),
      }),
    },
    ['applicationNumber', 'institutionId', 'title', 'kind', 'status'],
    'A patent of the resource pool',
  ),
  Obligation: obj(
    {
      id: str('kind:applicationNumber:ref'),
      kind: str('transfer-registration, license-recordal, transaction-report, density-filing or annuity'),
      applicationNumber: str('CNIPA application number'),
      institutionId: str('institution'),
      ref: str('the deal or industrialization'),
      trigger: obj({ type: str('event type'), date: date('business date'), position: int('position') }),
      dueDate: date('due: the last day, moved off weekends and public holidays (细则 r.5)'),
      dueDateProvisional: {
        type: 'boolean',
        description: 'the holiday calendar does not cover the year yet',
      },
      responsibleParty: {
        type: ['object', 'null'],
        description:
          'who owes it: the institution, or an enterprise (the filer of the product, the holder paying an annuity)',
        properties: { kind: str('institution or enterprise'), id: str('its org id') },
      },
      graceEnd: date('annuity: the last day it can be paid with surcharge'),
      status: str('open, overdue, fulfilled or cancelled'),
      cancelledOn: date('cancelled: the deal ended that day'),
      lapsedOn: date('the patent lapsed on'),
      fulfilledOn: date('fulfilled on'),
      late: { type: 'boolean', description: 'fulfilled after the due date' },
      daysOverdue: int('days past due, as of the query date'),
    },
    ['id', 'kind', 'applicationNumber', 'dueDate', 'status'],
    'An obligation of the obligations ledger',
  ),
  ProgressReport: obj(
    {
      asOf: date('the business date of the report'),
      institutions: list(
        obj(
          {
            institutionId: str('institution'),
            name: str('name'),
            stockPatentCount: int('its stock count as of asOf'),
            inventoried: int('stock patents inventoried by asOf'),
            coveragePercent: {
              type: ['number', 'null'],
              description: 'inventoried ÷ stock count, in percent',
            },
            milestones: list(obj({ id: str('milestone'), status: str('met, missed, on-track, ...') })),
          },
          ['institutionId', 'stockPatentCount', 'inventoried'],
        ),
      ),
      province: obj({
        institutions: int('institutions'),
        stockPatentCount: int('stock count'),
        inventoried: int('inventoried'),
      }),
      plans: list(
        obj({
          planId: str('plan'),
          version: int('version in force on asOf'),
          default: { type: 'boolean', description: 'the default plan (no plan of the province in force)' },
        }),
        'the plans the institutions are measured against',
      ),
      byProvince: list(obj({ province: str('province'), institutions: int('institutions') })),
      byDepartment: list(
        obj({ department: str('supervising department'), institutions: int('institutions') }),
      ),
      milestones: list(
        obj({ id: str('milestone'), planId: str('plan'), status: str('status'), due: date('due') }),
      ),
    },
    ['asOf', 'plans', 'institutions', 'province', 'byProvince', 'byDepartment', 'milestones'],
    'Programme progress per institution and province',
  ),
  TreeHead: obj(
    {
      format: str('patent-ledger-tree-head/1'),
      treeSize: int('events covered'),
      rootHash: str('Merkle root (hex)'),
      lastPosition: int('last position covered'),
      timestamp: instant('when it was signed'),
      keyId: str('signing key id'),
      signature: str('Ed25519 signature (base64)'),
      headHash: str('hash of this head'),
    },
    ['treeSize', 'rootHash', 'signature'],
    'A signed head of the global log',
  ),
};

/** A need of GET /needs (plan §二(四)1). */
const NEED = obj(
  {
    needId: str('need'),
    applicationNumber: str('the pool patent'),
    institutionId: str('the institution that owes the answer'),
    enterpriseId: str('the posting enterprise'),
    kind: str('technology | improvement'),
    description: str('what the enterprise needs'),
    postedOn: date('posted on'),
    respondBy: date('last day to answer (working days of the plan in force)'),
    responseWorkingDays: int('the answer period in working days'),
    status: str('open | answered | withdrawn'),
    answer: obj({
      answer: str('accepted | declined'),
      text: str('the answer'),
      answeredOn: date('answered on'),
    }),
    withdrawnOn: date('withdrawn on'),
    version: int("the need stream's version (ETag)"),
  },
  ['needId', 'applicationNumber', 'institutionId', 'enterpriseId', 'kind', 'postedOn', 'respondBy', 'status'],
);
/** A salon held (plan §二(三)2), as GET /salons lists it. */
const SALON = obj(
  {
    salonId: str('salon'),
    organizerId: str('the organising organisation'),
    organizerName: str('its name'),
    province: str('the province whose quarterly salon it is'),
    heldOn: date('held on'),
    title: str('title'),
    applicationNumbers: list(str('pool patent presented')),
    enterpriseIds: list(str('registered enterprise that attended')),
    notes: str('notes'),
    recordedAt: instant('when it was recorded'),
    version: int("the salon stream's version (ETag)"),
  },
  ['salonId', 'organizerId', 'province', 'heldOn', 'title', 'applicationNumbers', 'enterpriseIds'],
);
/** A key-promotion project (重点推广, plan §二(三)3). */
const KEY_PROMOTION = obj(
  {
    keyPromotionId: str('project'),
    name: str('name'),
    organizerId: str('organizer'),
    organizerName: str('its name'),
    province: str('province'),
    applicationNumbers: list(str('patent it groups now')),
    startedOn: date('started on'),
    description: str('description'),
    status: str('open | closed'),
    closed: obj({
      closedOn: date('closed on'),
      summary: str('outcome summary'),
      counts: obj({ deals: int('deals it led to'), enterprisesEngaged: int('enterprises it reached') }),
    }),
    changes: list(
      obj({
        changedOn: date('changed on'),
        added: list(str('patent added')),
        removed: list(str('patent removed')),
        reason: str('why'),
      }),
      'the changes of its patents, oldest first (GET /key-promotions/{id})',
    ),
    version: int("the project stream's version (ETag)"),
  },
  ['keyPromotionId', 'name', 'organizerId', 'province', 'applicationNumbers', 'startedOn', 'status'],
);
/** A technology verification or maturation service performed on a patent (技术验证/熟化). */
const TECHNOLOGY_SERVICE = obj(
  {
    serviceId: str('service'),
    applicationNumber: str('the patent'),
    institutionId: str("the patent's institution"),
    providerId: str('provider'),
    providerName: str("provider's name"),
    kind: str('verification | maturation | pilot-test'),
    startedOn: date('started on'),
    completedOn: date('completed on'),
    outcome: str('outcome'),
    technologyReadinessAfter: int('TRL 1–9 after the service'),
    version: int("the service stream's version (ETag)"),
  },
  [
    'serviceId',
    'applicationNumber',
    'institutionId',
    'providerId',
    'kind',
    'startedOn',
    'completedOn',
    'outcome',
  ],
);
/** A cooperation project of GET /projects, with the patents inventoried as its results. */
const PROJECT = obj(
  {
    projectId: str('project'),
    kind: str('joint-rd | ordered-research'),
    enterpriseId: str('enterprise'),
    institutionId: str('institution'),
    applicationNumbers: list(str('application number')),
    needId: str('the need it answers'),
    startedOn: date('started on'),
    status: str('open | closed'),
    closed: obj({
      closedOn: date('closed on'),
      outcome: str('completed | discontinued'),
      notes: str('notes'),
    }),
    resultingPatents: list(
      obj({
        applicationNumber: str('application number'),
        title: str('title'),
        inventoriedOn: date('inventoried on'),
      }),
    ),
    version: int("the project stream's version (ETag)"),
  },
  ['projectId', 'kind', 'enterpriseId', 'institutionId', 'applicationNumbers', 'startedOn', 'status'],
);

const CSV = { 'text/csv': { schema: { type: 'string', description: 'UTF-8 with a BOM' } } };

/** The success response of each operation that does not document one itself (`METHOD path`). */
const SUCCESS: Record<
  string,
  { status: string; description?: string; schema: Schema; csv?: boolean; type?: string }
> = {
  'get /': {
    status: '200',
    schema: obj(
      { name: str('service'), description: str('what it is'), links: obj({}, [], 'name → {href, title}') },
      ['name', 'links'],
    ),
  },
  'get /health': {
    status: '200',
    description: 'The store answers (503 with the same shape when it does not)',
    schema: obj(
      {
        status: str('ok or unavailable'),
        store: obj({ kind: str('store'), ready: { type: 'boolean' }, headPosition: int('last position') }),
      },
      ['status', 'store'],
    ),
  },
  'post /patents/batch': {
    status: '200',
    type: 'application/x-ndjson',
    description: 'One result per line, then a summary line',
    schema: {
      oneOf: [
        obj(
          {
            row: int('line number'),
            status: str('imported, already-present or rejected'),
            code: str('reason code'),
            message: str('reason'),
          },
          ['row', 'status'],
        ),
        obj(
          {
            summary: obj({
              rows: int('lines'),
              imported: int('imported'),
              alreadyPresent: int('already present'),
              rejected: int('rejected'),
            }),
          },
          ['summary'],
        ),
      ],
    },
  },
  'get /patents/{id}': { status: '200', schema: ref('PatentView') },
  'get /patents/{id}/annuities': { status: '200', schema: ref('AnnuitySchedule') },
  'get /patents/{id}/history': {
    status: '200',
    csv: true,
    schema: obj(
      {
        applicationNumber: str('patent'),
        streamName: str('stream'),
        version: int('version'),
        items: list(ref('AuditEntry')),
      },
      ['items'],
    ),
  },
  'get /patents/{id}/events': {
    status: '200',
    schema: obj(
      { applicationNumber: str('patent'), streamName: str('stream'), events: list(ref('StoredEvent')) },
      ['events'],
    ),
  },
  'get /patents/{id}/verify': {
    status: '200',
    schema: obj(
      {
        applicationNumber: str('patent'),
        streamName: str('stream'),
        ok: { type: 'boolean', description: 'the hash chain is intact' },
        events: int('events checked'),
        version: int('version'),
        lastHash: str('hash of the last event'),
        issue: obj(
          { kind: str('what is wrong'), version: int('where'), detail: str('detail') },
          [],
          'the first broken link',
        ),
      },
      ['ok', 'events'],
    ),
  },
  'get /patents/{id}/evidence': {
    status: '200',
    schema: obj(
      {
        format: str('patent-ledger-evidence/<n>'),
        streamName: str('stream'),
        events: list(ref('StoredEvent')),
        streamHead: obj({ version: int('version'), lastHash: str('last hash'), eventCount: int('events') }),
        signature: obj({}, [], 'Ed25519 signature of the stream head'),
        exportedAt: instant('when'),
      },
      ['format', 'streamName', 'events'],
      'A signed, self-contained evidence bundle (check it with `patent-ledger verify-bundle`)',
    ),
  },
  'get /patents/{id}/provenance': {
    status: '200',
    schema: obj(
      {
        applicationNumber: str('patent'),
        version: int('version'),
        state: obj({}, [], 'current state'),
        fields: obj({}, [], 'field → the event that last set it (position, type, business date, actor)'),
      },
      ['applicationNumber', 'fields'],
    ),
  },
  'get /chain/key': {
    status: '200',
    schema: obj(
      {
        keyId: str('key id'),
        algorithm: str('Ed25519'),
        publicKey: str('PEM'),
        jwk: obj({}, [], 'the key as a JWK'),
      },
      ['keyId', 'publicKey'],
    ),
  },
  'get /chain/heads/latest': { status: '200', schema: ref('TreeHead') },
  'get /chain/heads': { status: '200', schema: obj({ heads: list(ref('TreeHead')) }, ['heads']) },
  'get /chain/consistency': {
    status: '200',
    schema: obj(
      {
        from: int('older tree size'),
        to: int('newer tree size'),
        proof: list(str('hash (hex)')),
        toHead: ref('TreeHead'),
      },
      ['from', 'to', 'proof'],
    ),
  },
  'get /institutions/{institutionId}': { status: '200', schema: ref('InstitutionView') },
  'get /obligations': { status: '200', csv: true, schema: page('Obligation') },
  'get /patents/unused': {
    status: '200',
    schema: obj(
      {
        asOf: date('the business date'),
        years: int('years from the grant without implementation'),
        grantedOnOrBefore: date('granted on or before this date'),
        institutionId: str('only this institution (when given, or the calling institution)'),
        total: int('patents listed'),
        items: list(
          obj(
            {
              applicationNumber: str('CNIPA application number'),
              institutionId: str('institution'),
              title: str('title'),
              kind: str('invention, utility-model or design'),
              grantDate: date('grant date'),
              unusedSince: date('the day `years` years after the grant'),
              expiryDate: date('the last day of protection'),
              funding: obj({}, [], 'the funded project {projectNumber, funder, programme?}'),
            },
            ['applicationNumber', 'institutionId', 'grantDate', 'unusedSince'],
          ),
        ),
      },
      ['asOf', 'years', 'total', 'items'],
    ),
  },
  'get /progress': { status: '200', csv: true, schema: ref('ProgressReport') },
  'get /enterprises': {
    status: '200',
    csv: true,
    schema: obj(
      {
        items: list(
          obj(
            {
              enterpriseId: str('enterprise'),
              name: str('name'),
              category: str('category'),
              region: str('GB/T 2260 code'),
              contact: obj({ name: str('name'), phone: str('phone'), email: str('e-mail') }),
              registeredOn: date('registered on'),
              updatedOn: date('last changed on'),
            },
            ['enterpriseId', 'name', 'category', 'region'],
          ),
        ),
      },
      ['items'],
    ),
  },
  // Demand and response (apps/api/src/demand).
  'get /needs': { status: '200', schema: obj({ items: list(NEED) }, ['items']) },
  'get /needs/{needId}': { status: '200', schema: NEED },
  'get /projects': { status: '200', schema: obj({ items: list(PROJECT) }, ['items']) },
  'get /projects/{projectId}': { status: '200', schema: PROJECT },
  // Promotion as the plan runs it (apps/api/src/promotion).
  'get /salons': { status: '200', schema: obj({ items: list(SALON) }, ['items']) },
  'get /salons/{salonId}': { status: '200', schema: SALON },
  'get /salons/quarters': {
    status: '200',
    schema: obj(
      {
        year: int('the year'),
        province: str('the province asked about'),
        organizerId: str('the organizer asked about'),
        asOf: date('a quarter whose last day is before this date has ended'),
        quarters: list(
          obj(
            {
              quarter: int('1–4'),
              from: date('first day'),
              to: date('last day'),
              held: { type: 'boolean', description: 'at least one salon was held in the quarter' },
              ended: { type: 'boolean', description: 'the quarter is over (not held and ended: missed)' },
              salons: list(SALON),
            },
            ['quarter', 'from', 'to', 'held', 'ended', 'salons'],
          ),
        ),
      },
      ['year', 'asOf', 'quarters'],
    ),
  },
  'get /key-promotions': { status: '200', schema: obj({ items: list(KEY_PROMOTION) }, ['items']) },
  'get /key-promotions/{keyPromotionId}': { status: '200', schema: KEY_PROMOTION },
  'get /services': { status: '200', schema: obj({ items: list(TECHNOLOGY_SERVICE) }, ['items']) },
  'get /services/{serviceId}': { status: '200', schema: TECHNOLOGY_SERVICE },
  'get /experts': {
    status: '200',
    csv: true,
    schema: obj(
      {
        items: list(
          obj(
            {
              expertId: str('expert'),
              name: str('name'),
              fields: list(str('field')),
              organisation: str('organisation'),
              recommendedBy: str('recommending organisation'),
              recommendedOn: date('recommended on'),
            },
            ['expertId', 'name', 'fields'],
          ),
        ),
      },
      ['items'],
    ),
  },
  'get /kpis': {
    status: '200',
    csv: true,
    schema: obj(
      {
        asOf: date('the business date'),
        knownAt: instant('as known at (when given)'),
        inventoryCoverage: { type: ['number', 'null'], description: 'stock inventoried ÷ stock counts, %' },
        poolAdmissionRate: { type: ['number', 'null'], description: 'pool patents ÷ inventoried, %' },
        evaluationCoverage: {
          type: ['number', 'null'],
          description: 'evaluated pool patents ÷ pool patents, %',
        },
        implementationRate: { type: ['number', 'null'], description: '已实施 ÷ inventoried, %' },
        industrializationRate: { type: ['number', 'null'], description: 'industrialized ÷ inventoried, %' },
        deals: obj(
          {},
          [],
          'transfer, license, openLicense, equityContribution: {count, contractValue}; industrialization: {count}',
        ),
        openLicenseTakings: int('open-licence takings'),
        medianDaysAdmissionToFirstDeal: { type: ['number', 'null'], description: 'days' },
        obligations: obj({
          onTime: int('fulfilled by the due date'),
          late: int('fulfilled after it'),
          overdue: int('open past due'),
          open: int('open, not yet due'),
          cancelled: int('cancelled'),
        }),
        byProvince: list(obj({ province: str('province') })),
        byDepartment: list(obj({ department: str('supervising department') })),
        byInstitution: list(obj({ institutionId: str('institution') })),
        series: list(obj({ asOf: date('month end') }), 'with series=monthly'),
      },
      ['asOf', 'inventoryCoverage', 'implementationRate', 'industrializationRate', 'obligations'],
    ),
  },
  'get /plans': {
    status: '200',
    csv: true,
    schema: obj(
      {
        asOf: date('the business date'),
        default: obj({}, [], 'the default plan (a plan document): in force for every province without one'),
        plans: list(
          obj(
            {
              planId: str('plan id'),
              version: int('version'),
              province: str('province'),
              effectiveFrom: date('in force from'),
              publishedOn: date('published on'),
              recordedAt: instant('recorded at'),
              position: int('log position of PlanPublished'),
              inForce: { type: 'boolean', description: 'the version in force for its province on asOf' },
              document: obj({}, [], 'the plan document (docs/plans/plan.schema.json)'),
            },
            ['planId', 'version', 'province', 'effectiveFrom', 'inForce', 'document'],
          ),
        ),
      },
      ['asOf', 'default', 'plans'],
    ),
  },
  'get /resource-pool': { status: '200', csv: true, schema: page('PoolEntry') },
  'get /resource-pool/{id}': { status: '200', schema: ref('PoolEntry') },
  'get /audit': { status: '200', csv: true, schema: page('AuditEntry') },
  'get /projections': {
    status: '200',
    schema: obj(
      {
        projections: list(
          obj(
            {
              name: str('projection'),
              position: int('applied up to'),
              headPosition: int('log head'),
              lag: int('events behind'),
              state: str('running, failed, ...'),
              lastError: str('why it failed'),
            },
            ['name', 'position', 'lag'],
          ),
        ),
      },
      ['projections'],
    ),
  },
  'post /projections/{name}/resume': {
    status: '201',
    schema: obj({ resumed: { type: 'boolean', description: 'it was failed and now runs' } }, ['resumed']),
  },
  'post /auth/login': {
    status: '200',
    schema: obj(
      {
        token: str('bearer token'),
        expiresAt: instant('expiry'),
        csrfToken: str('send as X-CSRF-Token with cookie-authenticated writes'),
        principal: obj({}),
      },
      ['token'],
    ),
  },
  'post /auth/logout': { status: '204', schema: {} },
  'get /auth/config': {
    status: '200',
    schema: obj(
      {
        password: { type: 'boolean', description: 'accounts sign in with POST /auth/login' },
        oidc: {
          ...obj(
            {
              issuer: str('the OpenID Connect provider (its discovery document is under it)'),
              clientId: str('the console’s public client at the provider (authorization code + PKCE)'),
              audience: str('the resource to ask the provider for (the aud of the access token)'),
              scope: str('the scope to ask for'),
            },
            ['issuer', 'clientId', 'audience', 'scope'],
            'single sign-on; null when not configured',
          ),
          type: ['object', 'null'],
        },
      },
      ['password', 'oidc'],
    ),
  },
  'get /auth/me': {
    status: '200',
    schema: obj(
      {
        principal: obj({
          role: str('role'),
          orgId: str('organisation'),
          userId: str('user'),
          admin: { type: 'boolean' },
        }),
      },
      ['principal'],
    ),
  },
  'get /.well-known/jwks.json': {
    status: '200',
    schema: obj({ keys: list(obj({ kty: str('key type'), kid: str('key id') })) }, ['keys']),
  },
  'get /users': { status: '200', schema: obj({ items: list(ref('Account')) }, ['items']) },
  'post /users': { status: '201', schema: ref('Account') },
  'get /users/{userId}': { status: '200', schema: ref('Account') },
  'put /users/{userId}/password': { status: '200', schema: ref('Account') },
  'post /users/{userId}/disable': { status: '201', schema: ref('Account') },
  'post /users/{userId}/enable': { status: '201', schema: ref('Account') },
  'get /access/denials': {
    status: '200',
    schema: obj(
      {
        date: date('the day'),
        items: list(
          obj({
            at: instant('when'),
            actor: ref('Actor'),
            action: str('what was refused'),
            rule: str('policy row'),
            method: str('HTTP method'),
            path: str('path'),
            position: int('position'),
          }),
        ),
      },
      ['date', 'items'],
    ),
  },
};
SCHEMAS['Account'] = obj(
  {
    userId: str('account id'),
    role: str('role'),
    orgId: str('organisation'),
    admin: { type: 'boolean' },
    status: str('active or disabled'),
    hasPassword: { type: 'boolean' },
    version: int('version'),
  },
  ['userId'],
  'A person’s account (never its password)',
);

/** Descriptions of parameters that their controller or DTO leaves without one, by name. */
const PARAMETERS: Record<string, string> = {
  id: 'CNIPA application number (申请号) with its check digit, e.g. 201710601862.3',
  dealId: 'the transfer, equity-contribution or licence deal',
  pledgeId: 'the registered pledge',
  industrializationId: 'the industrialization',
  institutionId: 'institution id, e.g. tyut',
  planId: 'programme plan id, e.g. shanxi-2024',
  enterpriseId: 'enterprise id (its organisation), e.g. sx-coal-materials',
  expertId: 'expert id, e.g. exp-wang',
  userId: 'account id',
  name: 'projection name (resource-pool, audit, obligations, progress, ...)',
  orgId: 'only the accounts of this organisation',
  date: 'the day (YYYY-MM-DD; default today in China)',
  'Idempotency-Key': 'Retry-safe key: the same key returns the original response; with another body, 422',
  'If-Match': 'Pin the stream version (its ETag); 412 when it moved on',
  from: 'from this position or tree size',
  to: 'to this position or tree size',
  limit: 'entries per page',
  fromVersion: 'the first version to return (default 1)',
  cursor: 'the nextCursor of the previous page',
  format: 'json (default) or csv (also: Accept: text/csv)',
  minPosition: 'wait until the read model has applied this log position (read your own write)',
};

const PROBLEM = { 'application/problem+json': { schema: ref('Problem') } };
const ERROR_TEXT: Record<string, string> = {
  '400': 'Invalid request (problem+json naming each field)',
  '401': 'No valid credential (Authorization: Bearer …)',
  '403': 'The access policy refuses the caller',
  '404': 'Not found',
  '409': 'Business rule or concurrency conflict',
  '412': 'If-Match does not match the current version',
  '413': 'Body too large',
  '415': 'Body is not JSON',
  '422': 'Idempotency-Key reused with a different request',
  '429': 'Too many requests',
  '503': 'The store cannot serve',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const isCommand = (method: string, path: string): boolean =>
  method !== 'get' &&
  (path === '/patents' ||
    path.startsWith('/patents/{id}') ||
    path.startsWith('/institutions/') ||
    path.startsWith('/plans/') ||
    path.startsWith('/enterprises/') ||
    path.startsWith('/experts/') ||
    path === '/needs' ||
    path.startsWith('/needs/') ||
    path === '/projects' ||
    path.startsWith('/projects/') ||
    path === '/salons' ||
    path === '/key-promotions' ||
    path.startsWith('/key-promotions/') ||
    path === '/services');

/** Fills in the document (see the module comment); returns it. */
export function documentResponses(doc: OpenAPIObject): OpenAPIObject {
  const d = doc as unknown as {
    openapi: string;
    components?: { schemas?: Record<string, unknown> };
    paths: Record<string, Record<string, Operation>>;
  };
  d.openapi = '3.1.0';
  d.components ??= {};
  d.components.schemas = { ...SCHEMAS, ...(d.components.schemas ?? {}) };
  for (const [path, item] of Object.entries(d.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const key = `${method} ${path}`;
      const responses = (op.responses ??= {});
      // success
      if (isCommand(method, path)) {
        const statuses = Object.keys(responses).filter((s) => /^2/.test(s));
        for (const s of statuses.length ? statuses : [method === 'post' ? '201' : '200']) {
          const r = (responses[s] ??= { description: s === '201' ? 'Created' : 'OK' });
          r.content ??= { 'application/json': { schema: ref('CommandOutcome') } };
          r.headers ??= {
            ETag: { description: "the stream's version after the command", schema: { type: 'string' } },
          };
        }
      } else if (SUCCESS[key]) {
        const s = SUCCESS[key];
        for (const status of Object.keys(responses).filter((x) => /^2/.test(x) && x !== s.status))
          delete responses[status];
        const r = (responses[s.status] ??= { description: s.description ?? 'OK' });
        if (s.description) r.description = s.description;
        if (s.status !== '204')
          r.content ??= { [s.type ?? 'application/json']: { schema: s.schema }, ...(s.csv ? CSV : {}) };
      }
      // errors
      const secured = (op.security ?? [{}]).length > 0;
      const wanted = new Set(Object.keys(responses).filter((s) => /^[45]/.test(s)));
      if (op.parameters?.length || op.requestBody) wanted.add('400');
      if (/\{/.test(path)) wanted.add('404');
      if (secured) {
        wanted.add('401');
        wanted.add('403');
      }
      for (const s of wanted) {
        const r = (responses[s] ??= { description: ERROR_TEXT[s] ?? 'Error' });
        r.content ??= PROBLEM;
      }
      responses['default'] ??= { description: 'Any other error (RFC 9457 problem+json)', content: PROBLEM };
      // parameters
      for (const p of op.parameters ?? []) {
        const description = PARAMETERS[p.name];
        if (!p.description && description) p.description = description;
      }
    }
  }
  return doc;
}
