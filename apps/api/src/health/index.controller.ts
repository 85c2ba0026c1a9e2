import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/principal';

/** Where to go from `/`: the documentation and the main resources. */
export const INDEX = {
  name: 'patent-ledger',
  description:
    'System of record for the stock-patent revitalization programme (存量专利盘活): every patent is a stream of events; read models answer queries.',
  links: {
    docs: { href: '/docs', title: 'OpenAPI documentation (interactive)' },
    openapi: { href: '/docs-json', title: 'OpenAPI document (JSON)' },
    health: { href: '/health', title: 'liveness and store readiness' },
    institution: { href: '/institutions/{institutionId}', title: 'an institution' },
    patent: { href: '/patents/{applicationNumber}', title: "a patent's current state" },
    resourcePool: { href: '/resource-pool', title: 'the resource pool (专利转化资源库)' },
    obligations: { href: '/obligations', title: 'the obligations ledger' },
    progress: { href: '/progress', title: 'programme progress per institution and province' },
    audit: { href: '/audit', title: 'events across patents' },
    projections: { href: '/projections', title: 'read-model positions and lag' },
  },
} as const;

@ApiTags('health')
@Public()
@Controller()
export class IndexController {
  @Get()
  @ApiOperation({ summary: 'Index: links to the documentation and the main resources' })
  @ApiOkResponse({ description: 'The name of the service and its links' })
  index() {
    return INDEX;
  }
}
