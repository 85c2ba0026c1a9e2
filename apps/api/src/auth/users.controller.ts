import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { authorizeAdmin, type Principal } from '@patent-ledger/access';
import { requireId, type AccountCommand } from '@patent-ledger/domain';
import { fingerprintOf } from '@patent-ledger/eventsourcing';
import { hashPassword, passwordProblem } from '@patent-ledger/identity';
import { listAccounts } from '@patent-ledger/read-models';
import type { Request, Response } from 'express';
import { scopedCommandId } from '../common/command-context';
import { header } from '../common/actor';
import { ProblemException } from '../common/problem';
import { etagOf } from '../common/responses';
import { ReadModelsService } from '../read-models/read-models.service';
import { IdentityService } from './identity.service';
import { principalOf } from './principal';

const USER_FIELDS = ['userId', 'orgId', 'role', 'displayName', 'admin', 'password'];

function check(body: unknown, allowed: string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ProblemException.of(400, 'VALIDATION.FAILED', 'the body must be a JSON object');
  }
  const errors = Object.keys(body)
    .filter((k) => !allowed.includes(k))
    .map((k) => ({ field: k, message: `property ${k} should not exist` }));
  if (errors.length > 0)
    throw ProblemException.of(400, 'VALIDATION.FAILED', 'unknown properties', { errors });
  return body as Record<string, unknown>;
}

function passwordOf(value: unknown): string {
  const problem = passwordProblem(value);
  if (problem) {
    throw ProblemException.of(400, 'VALIDATION.FAILED', problem, {
      errors: [{ field: 'password', message: problem }],
    });
  }
  return value as string;
}

/** Accounts of people (ip-office admins only): create, set or reset passwords, disable, enable, list. */
@ApiTags('accounts')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly identity: IdentityService,
    private readonly rm: ReadModelsService,
  ) {}

  private admin(req: Request): Principal {
    const p = principalOf(req);
    authorizeAdmin(p, 'accounts');
    return p;
  }

  private async run(req: Request, userId: string, command: AccountCommand) {
    const p = this.admin(req);
    const key = header(req, 'idempotency-key');
    const fingerprint = fingerprintOf({
      method: req.method,
      path: req.path,
      principal: [p.orgId, p.userId],
      body: { ...(req.body as object), password: undefined },
    });
    const outcome = await this.identity.accountCommand(
      userId,
      command,
      p,
      key !== undefined ? scopedCommandId(p, key) : undefined,
      fingerprint,
    );
    return outcome;
  }

  @Post()
  @ApiOperation({
    summary: 'Create an account (UserCreated): org, role, display name, optional first password',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['userId', 'orgId', 'role', 'displayName'],
      properties: {
        userId: { type: 'string' },
        orgId: { type: 'string' },
        role: { type: 'string', enum: ['institution', 'enterprise', 'ip-office', 'auditor', 'analyst'] },
        displayName: { type: 'string' },
        admin: { type: 'boolean', description: 'ip-office accounts only' },
        password: { type: 'string', minLength: 12 },
      },
    },
    examples: {
      example: {
        summary: 'a technology-transfer officer of 太原理工大学',
        value: {
          userId: 'tto-wang',
          orgId: 'tyut',
          role: 'institution',
          displayName: '王老师 (技术转移中心)',
          password: 'a long passphrase here',
        },
      },
    },
  })
  @ApiResponse({ status: 201, description: 'Created' })
  @ApiResponse({ status: 403, description: 'Not an ip-office admin' })
  @ApiResponse({ status: 409, description: 'The account exists' })
  async create(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    this.admin(req);
    const b = check(body, USER_FIELDS);
    const userId = requireId(b['userId'], 'userId');
    const passwordHash =
      b['password'] !== undefined ? await hashPassword(passwordOf(b['password'])) : undefined;
    const outcome = await this.run(req, userId, {
      type: 'CreateUser',
      data: {
        userId,
        orgId: b['orgId'] as string,
        role: b['role'] as string,
        displayName: b['displayName'] as string,
        ...(b['admin'] !== undefined ? { admin: b['admin'] === true } : {}),
        ...(passwordHash ? { passwordHash } : {}),
      },
    });
    res.status(201).setHeader('Location', `/users/${userId}`);
    res.setHeader('ETag', etagOf(outcome.version));
    return this.view(userId);
  }

  @Get()
  @ApiOperation({ summary: 'Every account (optionally of one organisation)' })
  async list(@Req() req: Request, @Query('orgId') orgId?: string) {
    this.admin(req);
    return { items: await listAccounts(this.rm.readModels.sql, orgId !== undefined ? { orgId } : {}) };
  }

  @Get(':userId')
  @ApiOperation({ summary: 'One account (never its password hash)' })
  async get(@Param('userId') userId: string, @Req() req: Request) {
    this.admin(req);
    return this.view(requireId(userId, 'userId'));
  }

  @Put(':userId/password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set or reset the password (PasswordSet); earlier sign-in tokens stop working' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['password'],
      properties: { password: { type: 'string', minLength: 12 } },
    },
    examples: { example: { summary: 'a new password', value: { password: 'another long passphrase' } } },
  })
  async password(@Param('userId') userId: string, @Body() body: unknown, @Req() req: Request) {
    this.admin(req);
    const b = check(body, ['password']);
    const id = requireId(userId, 'userId');
    await this.run(req, id, {
      type: 'SetPassword',
      data: { userId: id, passwordHash: await hashPassword(passwordOf(b['password'])) },
    });
    return this.view(id);
  }

  @Post(':userId/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable the account (UserDisabled): its sign-in tokens stop working within 2 s' })
  @ApiBody({
    schema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string' } } },
    examples: {
      example: { summary: 'left the office', value: { reason: 'left the technology-transfer office' } },
    },
  })
  async disable(@Param('userId') userId: string, @Body() body: unknown, @Req() req: Request) {
    this.admin(req);
    const b = check(body, ['reason']);
    const id = requireId(userId, 'userId');
    await this.run(req, id, { type: 'DisableUser', data: { userId: id, reason: b['reason'] as string } });
    return this.view(id);
  }

  @Post(':userId/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled account again (UserEnabled)' })
  async enable(@Param('userId') userId: string, @Req() req: Request) {
    this.admin(req);
    const id = requireId(userId, 'userId');
    await this.run(req, id, { type: 'EnableUser', data: { userId: id } });
    return this.view(id);
  }

  private async view(userId: string) {
    const { state, version } = await this.identity.account(userId);
    if (state.status === 'none') throw ProblemException.of(404, 'ACCOUNT.NOT_FOUND', `no account ${userId}`);
    const { passwordHash, lastFailureAt: _l, signedOut: _s, ...rest } = state;
    return { ...rest, hasPassword: passwordHash !== undefined, version };
  }
}
