/** The insider scenarios of issue 12 on the SQLite store (see insider.ts). */
import { insiderSuite } from './insider';

describe('an insider with write access to the SQLite database', () => {
  insiderSuite('sqlite');
});
