import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  businessDateOf,
  parseApplicationNumber,
  patentStream,
  provenanceOf,
  upcastPatentEvent,
} from '@patent-ledger/domain';
import {
  analyseStream,
  createEvidenceBundle,
  isChainHeadStore,
  type EventStore,
} from '@patent-ledger/eventsourcing';
import type { Request, Response } from 'express';
import { authorizeRecords } from '../auth/records';
import { sendJsonStream } from '../common/json-stream';
import { ProblemException } from '../common/problem';
import { EVENT_STORE } from '../ledger/tokens';
import { ChainService } from './chain.service';
import { unavailable } from './chain.controller';
import { bundleTransparency } from '@patent-ledger/transparency';
import { TOOL } from './tool';

const idParam = ApiParam({
  name: 'id',
  description: 'Application number (申请号)',
  example: '201710601862.3',
});

/** Auditor endpoints: verification, portable evidence and provenance of one patent. */
@ApiTags('audit')
@Controller('patents')
export class EvidenceController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly chain: ChainService,
  ) {}

  private async streamOf(id: string, req: Request, what: string) {
    const applicationNumber = parseApplicationNumber(id, 'id').value;
    const streamName = patentStream(applicationNumber);
    const events = await this.store.readStream(streamName);
    if (events.length === 0) {
      throw ProblemException.of(
        404,
        'PATENT.NOT_FOUND',
        `patent ${applicationNumber} has not been inventoried`,
      );
    }
    authorizeRecords(req, events, what);
    return { applicationNumber, streamName, events };
  }

  @Get(':id/verify')
  @idParam
  @ApiOperation({
    summary: "Recompute the patent's hash chain and compare it with the stream head the store recorded",
  })
  async verify(@Param('id') id: string, @Req() req: Request) {
    const { applicationNumber, streamName, events } = await this.streamOf(id, req, 'verify');
    const recorded =
      isChainHeadStore(this.store) && this.store.streamHeads
        ? (await this.store.streamHeads()).get(streamName)
        : undefined;
    const issue = analyseStream(events, recorded);
    const last = events[events.length - 1]!;
    return {
      applicationNumber,
      streamName,
      ok: issue === undefined,
      events: events.length,
      version: last.version,
      lastHash: last.hash ?? null,
      ...(issue ? { issue } : {}),
    };
  }

  @Get(':id/evidence')
  @idParam
  @ApiOperation({
    summary:
      'A self-contained evidence bundle: events with metadata and hashes, the signed stream head, and each event’s inclusion proof against a signed tree head of the log (409 when the stream’s chain is broken, 503 when the log does not extend its witnessed heads)',
  })
  async evidence(@Param('id') id: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const key = this.chain.key;
    if (!key) {
      throw ProblemException.of(
        503,
        'EVIDENCE.NO_SIGNING_KEY',
        'no signing key is configured (LEDGER_SIGNING_KEY_FILE=off)',
      );
    }
    const { applicationNumber, streamName, events } = await this.streamOf(id, req, 'evidence');
    // Never sign what cannot be vouched for: a broken stream chain, or events the published log
    // (the Merkle tree of a signed head) does not hold as stored.
    const recorded =
      isChainHeadStore(this.store) && this.store.streamHeads
        ? (await this.store.streamHeads()).get(streamName)
        : undefined;
    const issue = analyseStream(events, recorded);
    if (issue) {
      throw ProblemException.of(
        409,
        'EVIDENCE.CHAIN_BROKEN',
        `the hash chain of ${streamName} is broken (${issue.kind} at version ${issue.version ?? '?'}): ${issue.detail}; no evidence is signed for it`,
        { errors: [{ field: issue.kind, message: issue.detail }] },
      );
    }
    let transparency;
    try {
      transparency = await this.chain.evidence(events);
    } catch (err) {
      unavailable(err);
    }
    const chainHead = isChainHeadStore(this.store) ? await this.store.latestChainHead() : undefined;
    res.setHeader('Content-Disposition', `attachment; filename="evidence-${applicationNumber}.json"`);
    // Written in chunks that yield to the event loop: thousands of events and their proofs.
    const bundle = createEvidenceBundle({
      streamName,
      events,
      key,
      tool: TOOL,
      exportedAt: new Date().toISOString(),
      ...(chainHead ? { chainHead } : {}),
      transparency: bundleTransparency(transparency),
    });
    await sendJsonStream(res, bundle);
  }

  @Get(':id/provenance')
  @idParam
  @ApiOperation({ summary: 'For each field of the current state, the event that last set it' })
  async provenance(@Param('id') id: string, @Req() req: Request) {
    const { applicationNumber, events } = await this.streamOf(id, req, 'provenance');
    const { state, fields } = provenanceOf(
      events.map((e) => {
        const { event } = upcastPatentEvent(e);
        return {
          event,
          meta: {
            position: e.position,
            version: e.version,
            eventType: e.type,
            businessDate: businessDateOf(event),
            recordedAt: e.metadata.recordedAt,
            actor: e.metadata.actor,
          },
        };
      }),
    );
    return { applicationNumber, version: events[events.length - 1]!.version, state, fields };
  }
}
