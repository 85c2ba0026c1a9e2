export * from './errors';
export * from './dates';
export * from './calendar';
export * from './money';
export * from './application-number';
export * from './validate';
export * from './patent/events';
export * from './patent/commands';
export * from './patent/state';
export * from './patent/decider';
export * from './patent/constants';
export * from './patent/terms';
export * from './patent/standing';
export { exclusiveOrSole, fieldsOverlap, territoriesOverlap } from './patent/license';
export {
  annuityDeadlines,
  annuityScheduleOf,
  grantYearOf,
  lastAnnuityYearOf,
  nextUnpaidAnnuityYear,
  nonPaymentLapse,
  openLicenseInEffectOn,
  surchargePercentOf,
  ANNUITY_GRACE_MONTHS,
  ANNUITY_SURCHARGE_PERCENT_PER_MONTH,
  OPEN_LICENSE_ANNUITY_REDUCTION_PERCENT,
  type AnnuityDeadlines,
  type AnnuityScheduleItem,
  type AnnuityStatus,
} from './patent/annuity';
export { defaultLicenceFrom } from './patent/open-license';
export * from './institution/institution';
export * from './patent/upcasters';
export * from './patent/provenance';
export * from './account/account';
export * from './programme';
export * from './registry';
export * from './demand';
export * from './promotion';
