/** Name and version of this tool, stamped into evidence bundles. */
export const TOOL = { name: 'patent-ledger', version: '0.1.0' } as const;
