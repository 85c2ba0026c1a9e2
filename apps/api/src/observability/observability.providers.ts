import { CommandObserver } from './command-observer';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { Lifecycle, ProbesController } from './probes.controller';
import { TracingLifecycle } from './tracing';

/** Metrics, probes and the command observer. */
export const OBSERVABILITY_CONTROLLERS = [MetricsController, ProbesController];
export const OBSERVABILITY_PROVIDERS = [MetricsService, CommandObserver, Lifecycle, TracingLifecycle];
