import type { IsoDate } from '../dates';

export const IMPLEMENTATION_STATUSES = ['not-implemented', 'implemented', 'industrialized'] as const;
export const GRADES = ['A', 'B', 'C'] as const;
export const INTENT_MODES = ['transfer', 'license', 'self-implementation', 'equity'] as const;
export const SCREENING_METHODS = ['inventor-self', 'institution-central'] as const;
export const SCREENING_DECISIONS = ['admitted', 'declined'] as const;
export const ENTERPRISE_CATEGORIES = [
  'ip-advantage',
  'specialized-sme',
  'high-tech',
  'state-owned',
  'other',
] as const;
export const IMPROVEMENT_NEEDS = ['none', 'minor', 'major', 'pilot-needed'] as const;
export const COOPERATION_WILLINGNESS = [
  'none',
  'watch',
  'interested',
  'license',
  'purchase',
  'joint-rd',
] as const;
export const PROMOTION_CHANNELS = ['online', 'salon', 'roadshow', 'matchmaking', 'expo'] as const;
export const PROMOTION_TIERS = ['featured', 'standard'] as const;
export const PRICING_METHODS = ['agreed', 'listing', 'auction'] as const;
export const LICENSE_TYPES = ['exclusive', 'sole', 'ordinary'] as const;
export const ROYALTY_BASES = ['lump-sum', 'percentage-of-sales'] as const;
export const LAPSE_REASONS = ['expired', 'non-payment', 'invalidated', 'abandoned'] as const;
export const DEAL_ENDINGS = ['cancelled', 'terminated', 'rescinded'] as const;
export const CONSENT_PARTIES = ['co-owner', 'pledgee'] as const;
export const CONSENT_SCOPES = ['transfer', 'license', 'open-license', 'pledge'] as const;
export const OPEN_LICENCE_STARTS = ['payment', 'notification'] as const;

/** Last day on which stock-cohort patents were granted. */
export const STOCK_COHORT_END: IsoDate = '2023-12-31';
