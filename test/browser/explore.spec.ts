import { writeFileSync } from 'node:fs';
import { startConsoleWorld } from './support';
it('explore', async () => {
  const w = await startConsoleWorld();
  const out: Record<string, unknown> = { accounts: w.accounts, institutions: w.province.institutions.slice(0,2), enterprises: w.province.enterprises.slice(0,2) };
  const pool = await w.api<{ items: { applicationNumber: string }[] }>('/resource-pool?limit=2');
  out['pool'] = pool;
  const id = pool.items[0]!.applicationNumber;
  for (const p of ['/progress?asOf=2024-06-30', '/obligations?limit=3', `/patents/${id}`, `/patents/${id}/events`, `/patents/${id}/provenance`, `/patents/${id}/verify`, '/users', '/access/denials', '/projections', `/institutions/${w.accounts.institution.orgId}`, '/auth/me'])
    try { out[p] = await w.api(p); } catch (e) { out[p] = String(e); }
  writeFileSync('/tmp/explore.json', JSON.stringify(out, null, 1));
  await w.close();
}, 120000);
