import { Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@patent-ledger/eventsourcing';
import type { LedgerConfig } from './config';
import { HealthController } from './health/health.controller';
import { IndexController } from './health/index.controller';
import { InstitutionsController } from './institutions/institutions.controller';
import { KpisController } from './programme/kpis.controller';
import { PlansController } from './programme/plans.controller';
import { RegistryController } from './programme/registry.controller';
import { DemandController } from './demand/demand.controller';
import { PromotionController } from './promotion/promotion.controller';
import { LEDGER_HANDLERS } from './ledger/handlers';
import { Clock, EVENT_STORE, LEDGER_CONFIG, SystemClock } from './ledger/tokens';
import { PatentsController } from './patents/patents.controller';
import { UnusedPatentsController } from './patents/unused.controller';
import { BatchController } from './patents/batch.controller';
import { ChainService } from './chain/chain.service';
import { EvidenceController } from './chain/evidence.controller';
import { ChainController } from './chain/chain.controller';
import { EventsAppendedHandler } from './read-models/events-appended.handler';
import { ReadModelsController } from './read-models/read-models.controller';
import { READ_MODELS, ReadModelsService } from './read-models/read-models.service';
import type { ReadModels } from '@patent-ledger/read-models';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { DenialRecorder, DenialsController } from './auth/denials';
import { IdentityService } from './auth/identity.service';
import { UsersController } from './auth/users.controller';
import { ThrottlerModule } from '@nestjs/throttler';
import { RateLimitGuard, throttlerOptions } from './auth/rate-limit';
import { ConsoleModule, consoleOptions } from './console/console.module';
import { EVENTS_CONTROLLERS, EVENTS_PROVIDERS } from './events/events.providers';
import { OBSERVABILITY_CONTROLLERS, OBSERVABILITY_PROVIDERS } from './observability/observability.providers';

export interface AppModuleOptions {
  config: LedgerConfig;
  store: EventStore;
  readModels: ReadModels;
  clock?: Clock;
}

/** Closes the store when the application shuts down (SIGTERM, app.close()). */
class StoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Module({})
export class AppModule {
  static register({ config, store, readModels, clock }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        ThrottlerModule.forRoot(throttlerOptions(config)),
        ConsoleModule.register(consoleOptions(config)),
      ],
      controllers: [
        ...OBSERVABILITY_CONTROLLERS,
        ...EVENTS_CONTROLLERS,
        BatchController,
        // Before PatentsController: GET /patents/unused is not GET /patents/{id}.
        UnusedPatentsController,
        PatentsController,
        EvidenceController,
        ChainController,
        InstitutionsController,
        PlansController,
        KpisController,
        RegistryController,
        DemandController,
        PromotionController,
        ReadModelsController,
        HealthController,
        IndexController,
        AuthController,
        UsersController,
        DenialsController,
      ],
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        { provide: EVENT_STORE, useValue: store },
        { provide: Clock, useValue: clock ?? new SystemClock() },
        { provide: READ_MODELS, useValue: readModels },
        ReadModelsService,
        EventsAppendedHandler,
        ChainService,
        StoreLifecycle,
        IdentityService,
        DenialRecorder,
        // Order matters: the throttler counts per principal, which the auth guard establishes.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        ...LEDGER_HANDLERS,
        ...OBSERVABILITY_PROVIDERS,
        ...EVENTS_PROVIDERS,
      ],
    };
  }
}
