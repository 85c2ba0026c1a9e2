/** jest `globalTeardown`: stops the servers globalSetup started with testcontainers. */
import { stopContainers } from './containers';

export default async function globalTeardown(): Promise<void> {
  await stopContainers();
}
