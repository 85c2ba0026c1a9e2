import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { publicKeyPem } from '@patent-ledger/eventsourcing';
import { headHash, TransparencyUnavailableError, type TreeHead } from '@patent-ledger/transparency';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ProblemException } from '../common/problem';
import { ChainService } from './chain.service';

export class HeadsQueryDto {
  @ApiPropertyOptional({
    description: 'Heads whose tree size is at least this (default 0: from the first)',
    minimum: 0,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  from?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ConsistencyQueryDto {
  @ApiProperty({ description: 'The older tree size (an auditor’s kept head)', minimum: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  from!: number;
  @ApiPropertyOptional({ description: 'The newer tree size (default: the newest signed head’s)', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  to?: number;
}

/** Problem for a log that cannot vouch for anything right now. */
export function unavailable(err: unknown): never {
  if (err instanceof TransparencyUnavailableError) {
    throw ProblemException.of(
      503,
      err.state === 'refused' ? 'TRANSPARENCY.REFUSED' : 'TRANSPARENCY.NOT_READY',
      err.message,
      err.issue ? { errors: [{ field: err.issue.kind, message: err.issue.detail }] } : {},
      err.state === 'refused' ? {} : { 'Retry-After': '5' },
    );
  }
  throw err;
}

const withHash = (h: TreeHead) => ({ ...h, headHash: headHash(h) });

/**
 * The transparency log of the global event log (RFC 9162 in JSON): signed tree heads, consistency
 * proofs between them, and the key that signs them. Hashes only: readable by every authenticated role.
 */
@ApiTags('chain')
@Controller('chain')
export class ChainController {
  constructor(private readonly chain: ChainService) {}

  private key() {
    const key = this.chain.key;
    if (!key)
      throw ProblemException.of(
        503,
        'CHAIN.NO_SIGNING_KEY',
        'no signing key is configured (LEDGER_SIGNING_KEY_FILE=off)',
      );
    return key;
  }

  @Get('key')
  @ApiOperation({
    summary: 'The public key that signs the tree heads, chain heads and evidence bundles, and its id',
  })
  publicKey() {
    const key = this.key();
    return {
      keyId: key.keyId,
      algorithm: 'Ed25519',
      publicKey: publicKeyPem(key.publicKey),
      jwk: { ...key.publicKey.export({ format: 'jwk' }), kid: key.keyId, use: 'sig', alg: 'EdDSA' },
    };
  }

  @Get('heads/latest')
  @ApiOperation({
    summary:
      'The newest signed tree head: size, root, time, previous head’s hash (keep it: `patent-ledger verify --head FILE`)',
  })
  latest() {
    this.key();
    const head = this.chain.latestHead();
    if (!head) {
      const s = this.chain.status();
      if (s.state !== 'ok' && s.state !== 'off')
        unavailable(new TransparencyUnavailableError(s.state, 'issue' in s ? s.issue : undefined));
      throw ProblemException.of(404, 'CHAIN.NO_HEAD', 'no tree head has been signed yet (the log is empty)');
    }
    return withHash(head);
  }

  @Get('heads')
  @ApiOperation({ summary: 'Signed tree heads in order, from a tree size on (`next` continues)' })
  async heads(@Query() q: HeadsQueryDto) {
    this.key();
    const tree = this.chain.treeStore();
    if (!tree) unavailable(new TransparencyUnavailableError('starting'));
    const limit = q.limit ?? 100;
    const heads = await tree.heads({ fromSize: q.from ?? 0, limit: limit + 1 });
    const page = heads.slice(0, limit);
    const more = heads[limit];
    return { heads: page.map(withHash), ...(more ? { next: more.treeSize } : {}) };
  }

  @Get('consistency')
  @ApiOperation({
    summary: 'RFC 9162 consistency proof: the tree of size `from` is a prefix of the tree of size `to`',
  })
  async consistency(@Query() q: ConsistencyQueryDto) {
    this.key();
    const latest = this.chain.latestHead();
    const to = q.to ?? latest?.treeSize ?? 0;
    if (!latest || to > latest.treeSize)
      throw ProblemException.of(
        400,
        'CHAIN.SIZE_NOT_SIGNED',
        `to=${to} is beyond the newest signed head (size ${latest?.treeSize ?? 0})`,
        { errors: [{ field: 'to', message: `at most ${latest?.treeSize ?? 0}` }] },
      );
    if (q.from > to)
      throw ProblemException.of(400, 'CHAIN.BAD_RANGE', `from=${q.from} is after to=${to}`, {
        errors: [{ field: 'from', message: `at most ${to}` }],
      });
    try {
      const proof = await this.chain.transparency().consistency(q.from, to);
      return { from: q.from, to, proof, ...(to === latest.treeSize ? { toHead: withHash(latest) } : {}) };
    } catch (err) {
      return unavailable(err);
    }
  }
}
