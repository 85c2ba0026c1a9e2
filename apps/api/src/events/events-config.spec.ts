import { eventsConfig } from './events-config';

const fail = (m: string) => new Error(m);
const load = (env: Record<string, string>) =>
  eventsConfig({ LEDGER_DB: '/srv/ledger/data/ledger.db', ...env }, fail);

describe('events settings', () => {
  it('publishers are off unless their URL is set; the stream and exchange have defaults', () => {
    const c = load({});
    expect(c.nats).toBeUndefined();
    expect(c.amqp).toBeUndefined();
    expect(c.stateFile).toBe('/srv/ledger/data/publishers.db');
    expect(c.reminders).toEqual({ days: [30, 7, 1], intervalMs: 3_600_000 });
    expect(load({ LEDGER_NATS_URL: 'nats://127.0.0.1:4222', LEDGER_NATS_STREAM: 'LEDGER' }).nats).toEqual({
      url: 'nats://127.0.0.1:4222',
      stream: 'LEDGER',
      subjectPrefix: 'patent-ledger.events',
    });
    expect(load({ LEDGER_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' }).amqp).toEqual({
      url: 'amqp://guest:guest@127.0.0.1:5672',
      exchange: 'patent-ledger.events',
    });
  });

  it('reminder days: any list, sorted, or off', () => {
    expect(load({ LEDGER_REMINDER_DAYS: '7, 60,1,7' }).reminders?.days).toEqual([60, 7, 1]);
    expect(load({ LEDGER_REMINDER_DAYS: 'off' }).reminders).toBeUndefined();
  });

  it.each([
    ['LEDGER_NATS_URL', 'nats://host:4222 other'],
    ['LEDGER_NATS_STREAM', 'has.dots'],
    ['LEDGER_NATS_SUBJECT_PREFIX', 'events.>'],
    ['LEDGER_AMQP_URL', 'http://rabbit'],
    ['LEDGER_REMINDER_DAYS', '30,seven'],
    ['LEDGER_WEBHOOK_MAX_ATTEMPTS', '0'],
    ['LEDGER_PUBLISHER_DELAY_MS', '-1'],
  ])('a bad %s stops the start with one line naming it', (name, value) => {
    expect(() => load({ [name]: value })).toThrow(new RegExp(`^${name}=`));
  });

  it('the password of a bad AMQP URL is not repeated', () => {
    expect(() => load({ LEDGER_AMQP_URL: 'rabbit://guest:secret@rabbit' })).toThrow(
      /^LEDGER_AMQP_URL=rabbit:\/\/guest:\*\*\*@rabbit is invalid/,
    );
  });
});
