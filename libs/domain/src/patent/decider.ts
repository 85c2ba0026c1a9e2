/**
 * The patent decider: `decide` dispatches each command to the capability that owns its rules, and
 * `evolve` each event to the capability that folds it. One file per capability, beside its spec:
 *
 * | capability | commands → events | file |
 * |---|---|---|
 * | inventory | InventoryPatent → PatentInventoried | inventory.ts |
 * | intent (screening into the pool) | TagIntent → IntentTagged | intent.ts |
 * | evaluation | EvaluatePatent → EnterpriseEvaluated | evaluation.ts |
 * | promotion | PromotePatent → Promoted | promotion.ts |
 * | transfer | TransferPatent → Transferred, RegisterTransfer → TransferRegistered | transfer.ts |
 * | equity contribution (作价投资) | RecordEquityContribution → EquityContributed (registered by RegisterTransfer) | equity.ts |
 * | licence | LicensePatent → Licensed, RecordLicense → LicenseRecorded | license.ts |
 * | open licence | DeclareOpenLicense, TakeOpenLicense, WithdrawOpenLicense | open-license.ts |
 * | deals that end | EndDeal → DealEnded | deal-ending.ts |
 * | industrialization | IndustrializePatent → Industrialized, FileDensityProduct → DensityProductFiled | industrialization.ts |
 * | report | ReportTransaction → TransactionReported | report.ts |
 * | lapse | LapsePatent → PatentLapsed | lapse.ts |
 * | annuity | PayAnnuity → AnnuityPaid | annuity.ts |
 * | pledge | RegisterPledge → PledgeRegistered, ReleasePledge → PledgeReleased | pledge.ts |
 * | consents of co-owners and pledgees | RecordConsent → ConsentRecorded | co-ownership.ts |
 *
 * Shared preconditions are in guards.ts, the term of protection in terms.ts, whether a patent is in
 * force on a date (expiry, lapse for an unpaid annuity) in standing.ts.
 */
import { invalid } from '../errors';
import { decidePayAnnuity, evolveAnnuityPaid } from './annuity';
import { decideRecordConsent, evolveConsentRecorded } from './co-ownership';
import type { PatentCommand } from './commands';
import { decideEndDeal, evolveDealEnded } from './deal-ending';
import { decideRecordEquityContribution, evolveEquityContributed } from './equity';
import { decideEvaluate, evolveEvaluated } from './evaluation';
import type { PatentEvent } from './events';
import {
  decideFileDensityProduct,
  decideIndustrialize,
  evolveDensityProductFiled,
  evolveIndustrialized,
} from './industrialization';
import { decideTagIntent, evolveIntentTagged } from './intent';
import { decideInventory, evolveInventoried } from './inventory';
import { decideLapse, evolveLapsed } from './lapse';
import { decideLicense, decideRecordLicense, evolveLicensed, evolveLicenseRecorded } from './license';
import {
  decideDeclareOpenLicense,
  decideTakeOpenLicense,
  decideWithdrawOpenLicense,
  evolveOpenLicensed,
  evolveOpenLicenseTaken,
  evolveOpenLicenseWithdrawn,
} from './open-license';
import {
  decideRegisterPledge,
  decideReleasePledge,
  evolvePledgeRegistered,
  evolvePledgeReleased,
} from './pledge';
import { decidePromote, evolvePromoted } from './promotion';
import { decideReport, evolveReported } from './report';
import { initialPatentState, type PatentState } from './state';
import {
  decideRegisterTransfer,
  decideTransfer,
  evolveTransferred,
  evolveTransferRegistered,
} from './transfer';

/** Decides a patent command against the current state: the events to append, or a DomainError. */
export function decidePatent(command: PatentCommand, state: PatentState): PatentEvent[] {
  switch (command.type) {
    case 'InventoryPatent':
      return decideInventory(command, state);
    case 'TagIntent':
      return decideTagIntent(command, state);
    case 'EvaluatePatent':
      return decideEvaluate(command, state);
    case 'PromotePatent':
      return decidePromote(command, state);
    case 'TransferPatent':
      return decideTransfer(command, state);
    case 'RecordEquityContribution':
      return decideRecordEquityContribution(command, state);
    case 'RegisterTransfer':
      return decideRegisterTransfer(command, state);
    case 'LicensePatent':
      return decideLicense(command, state);
    case 'RecordLicense':
      return decideRecordLicense(command, state);
    case 'IndustrializePatent':
      return decideIndustrialize(command, state);
    case 'FileDensityProduct':
      return decideFileDensityProduct(command, state);
    case 'DeclareOpenLicense':
      return decideDeclareOpenLicense(command, state);
    case 'TakeOpenLicense':
      return decideTakeOpenLicense(command, state);
    case 'WithdrawOpenLicense':
      return decideWithdrawOpenLicense(command, state);
    case 'ReportTransaction':
      return decideReport(command, state);
    case 'LapsePatent':
      return decideLapse(command, state);
    case 'EndDeal':
      return decideEndDeal(command, state);
    case 'PayAnnuity':
      return decidePayAnnuity(command, state);
    case 'RegisterPledge':
      return decideRegisterPledge(command, state);
    case 'ReleasePledge':
      return decideReleasePledge(command, state);
    case 'RecordConsent':
      return decideRecordConsent(command, state);
    default: {
      const unknown: never = command;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${(unknown as { type: string }).type}`);
    }
  }
}

/** Applies one event to the state. Tolerates old events so old streams still replay. */
export function evolvePatent(state: PatentState, event: PatentEvent): PatentState {
  if (event.type === 'PatentInventoried') return evolveInventoried(event);
  if (state.status === 'none') return state;
  const p = state;
  switch (event.type) {
    case 'IntentTagged':
      return evolveIntentTagged(p, event);
    case 'EnterpriseEvaluated':
      return evolveEvaluated(p, event);
    case 'Promoted':
      return evolvePromoted(p, event);
    case 'Transferred':
      return evolveTransferred(p, event);
    case 'EquityContributed':
      return evolveEquityContributed(p, event);
    case 'TransferRegistered':
      return evolveTransferRegistered(p, event);
    case 'Licensed':
      return evolveLicensed(p, event);
    case 'LicenseRecorded':
      return evolveLicenseRecorded(p, event);
    case 'Industrialized':
      return evolveIndustrialized(p, event);
    case 'DensityProductFiled':
      return evolveDensityProductFiled(p, event);
    case 'OpenLicensed':
      return evolveOpenLicensed(p, event);
    case 'OpenLicenseTaken':
      return evolveOpenLicenseTaken(p, event);
    case 'OpenLicenseWithdrawn':
      return evolveOpenLicenseWithdrawn(p, event);
    case 'TransactionReported':
      return evolveReported(p, event);
    case 'PatentLapsed':
      return evolveLapsed(p, event);
    case 'DealEnded':
      return evolveDealEnded(p, event);
    case 'AnnuityPaid':
      return evolveAnnuityPaid(p, event);
    case 'PledgeRegistered':
      return evolvePledgeRegistered(p, event);
    case 'PledgeReleased':
      return evolvePledgeReleased(p, event);
    case 'ConsentRecorded':
      return evolveConsentRecorded(p, event);
    default:
      // An event type this version does not know: keep the state so old and new streams replay.
      return p;
  }
}

/** The patent decider. */
export const patentDecider = {
  decide: decidePatent,
  evolve: evolvePatent,
  initialState: initialPatentState,
};
