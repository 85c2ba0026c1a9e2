import type { PlanDocument } from './plan';

export const SHANXI_2024_PLAN_ID = 'shanxi-2024';

/**
 * The default plan: 山西省存量专利盘活工作方案 (晋知产发〔2024〕3号, 2024-02-29), §二(一)3, §二(二)1 and 3,
 * §二(三)3 — the six milestones the ledger always had and the two staged ones of the text
 * (阶段性成效 of the four key universities by end of March, 阶段性进展 of enterprise evaluation by
 * end of April). The text sets no figure for a staged milestone: the targets below (50 %, 30 %) are
 * the ledger's reading, and an office that reads it otherwise publishes its own version.
 * It applies to every institution whose province has no published plan in force.
 * `evaluationTargetPercent` is LEDGER_EVALUATION_TARGET_PERCENT (基本完成, default 90).
 */
export function shanxiPlan2024(evaluationTargetPercent = 90): PlanDocument {
  return {
    planId: SHANXI_2024_PLAN_ID,
    version: 1,
    title: '山西省存量专利盘活工作方案 (晋知产发〔2024〕3号)',
    province: '山西',
    effectiveFrom: '2024-02-29',
    programmeStart: '2024-02-29',
    milestones: [
      {
        id: 'tyut-100',
        description: '太原理工大学 inventories 100 % of its stock patents',
        metric: 'inventory-coverage',
        target: 100,
        due: '2024-03-31',
        stage: 'final',
        appliesTo: { scope: 'group', group: 'tyut' },
      },
      {
        id: 'key4-staged',
        description:
          'the four key universities (山西大学, 中北大学, 太原科技大学, 山西农业大学) show staged results (阶段性成效) in inventory',
        metric: 'inventory-coverage',
        target: 50,
        due: '2024-03-31',
        stage: 'staged',
        appliesTo: { scope: 'group', group: 'key4' },
      },
      {
        id: 'evaluation-staged',
        description: 'enterprise evaluation of the pool makes staged progress (阶段性进展)',
        metric: 'evaluation-coverage',
        target: 30,
        due: '2024-04-30',
        stage: 'staged',
        appliesTo: { scope: 'province' },
      },
      {
        id: 'key4-100',
        description:
          'the four key universities (山西大学, 中北大学, 太原科技大学, 山西农业大学) inventory 100 %',
        metric: 'inventory-coverage',
        target: 100,
        due: '2024-06-30',
        stage: 'final',
        appliesTo: { scope: 'group', group: 'key4' },
      },
      {
        id: 'others-30',
        description: 'every other institution inventories at least 30 %',
        metric: 'inventory-coverage',
        target: 30,
        due: '2024-06-30',
        stage: 'final',
        appliesTo: { scope: 'group', group: 'other' },
      },
      {
        id: 'all-100',
        description: 'all institutions inventory 100 % of their stock patents',
        metric: 'inventory-coverage',
        target: 100,
        due: '2024-12-31',
        stage: 'final',
        appliesTo: { scope: 'all-institutions' },
      },
      {
        id: 'promotion-launch',
        description: 'promotion has started: at least one Promoted',
        metric: 'promotion-launched',
        target: 1,
        due: '2024-06-30',
        stage: 'final',
        appliesTo: { scope: 'province' },
      },
      {
        id: 'evaluation-basic',
        description: `enterprise evaluation basically complete: ≥ ${evaluationTargetPercent} % of pool patents evaluated at least once`,
        metric: 'evaluation-coverage',
        target: evaluationTargetPercent,
        due: '2024-12-31',
        stage: 'final',
        appliesTo: { scope: 'province' },
      },
    ],
  };
}
