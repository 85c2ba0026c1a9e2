import { TimeSlicer } from './time-slicer';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('TimeSlicer', () => {
  it('given a loop of synchronous work, when it turns the slicer, then timers waiting run during the loop', async () => {
    const slicer = new TimeSlicer(5);
    let fired = 0;
    const timer = setInterval(() => (fired += 1), 0);
    for (let i = 0; i < 40; i++) {
      busy(1);
      await slicer.turn();
    }
    const during = fired;
    clearInterval(timer);
    expect(slicer.yields).toBeGreaterThanOrEqual(4);
    expect(during).toBeGreaterThanOrEqual(2);
  });

  it('given a loop of synchronous work, when it only awaits resolved promises, then no timer runs until it ends', async () => {
    let fired = 0;
    const timer = setInterval(() => (fired += 1), 0);
    for (let i = 0; i < 40; i++) {
      busy(1);
      await Promise.resolve();
    }
    const during = fired;
    clearInterval(timer);
    expect(during).toBe(0);
  });

  it('given little work, when it turns the slicer, then it does not give way before its slice is over', async () => {
    const slicer = new TimeSlicer(10_000);
    for (let i = 0; i < 1000; i++) await slicer.turn();
    expect(slicer.yields).toBe(0);
  });
});
