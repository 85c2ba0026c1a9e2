import { CALENDAR_COVERAGE, calendarCovers, deadlineOf, isWorkingDay, workingDayOnOrAfter } from './calendar';
import { domainErrorOf } from './testing/fixtures';

describe('China’s official working-day calendar (chinese-days; 细则 r.5, 审查指南 V-7 §2.3)', () => {
  describe('Spring Festival', () => {
    it.each([
      // 2024: holiday 10–17 Feb, made up on Sunday 4 Feb and Sunday 18 Feb
      ['2024-02-09', true], // Friday before the holiday
      ['2024-02-10', false],
      ['2024-02-17', false],
      ['2024-02-04', true], // Sunday, a make-up working day
      ['2024-02-18', true], // Sunday, a make-up working day
      // 2025: holiday 28 Jan – 4 Feb, made up on Sunday 26 Jan and Saturday 8 Feb
      ['2025-01-26', true],
      ['2025-01-27', true],
      ['2025-01-28', false],
      ['2025-02-04', false],
      ['2025-02-05', true],
      ['2025-02-08', true],
      ['2025-02-09', false], // an ordinary Sunday
    ])('%s is a working day: %p', (date, working) => {
      expect(isWorkingDay(date)).toBe(working);
    });

    it('细则 r.5: a period ending on 2024-02-10 ends on Sunday 2024-02-18, the make-up working day', () => {
      expect(workingDayOnOrAfter('2024-02-10')).toBe('2024-02-18');
      expect(workingDayOnOrAfter('2024-02-17')).toBe('2024-02-18');
    });

    it('细则 r.5: a period ending on 2025-01-28 ends on 2025-02-05', () => {
      expect(workingDayOnOrAfter('2025-01-28')).toBe('2025-02-05');
    });
  });

  describe('National Day', () => {
    it.each([
      // 2024: holiday 1–7 Oct, made up on Sunday 29 Sep and Saturday 12 Oct
      ['2024-09-29', true],
      ['2024-09-30', true],
      ['2024-10-01', false],
      ['2024-10-07', false],
      ['2024-10-08', true],
      ['2024-10-12', true],
      ['2024-10-13', false],
      // 2025: National Day and Mid-Autumn 1–8 Oct, made up on Sunday 28 Sep and Saturday 11 Oct
      ['2025-09-28', true],
      ['2025-10-08', false],
      ['2025-10-09', true],
      ['2025-10-11', true],
    ])('%s is a working day: %p', (date, working) => {
      expect(isWorkingDay(date)).toBe(working);
    });

    it('细则 r.5: a period ending on 2024-10-01 ends on 2024-10-08; one ending on 2025-10-03 on 2025-10-09', () => {
      expect(workingDayOnOrAfter('2024-10-01')).toBe('2024-10-08');
      expect(workingDayOnOrAfter('2025-10-03')).toBe('2025-10-09');
    });

    it('细则 r.5: a period ending on a make-up working day ends that day (Saturday 2025-10-11)', () => {
      expect(workingDayOnOrAfter('2025-10-11')).toBe('2025-10-11');
      expect(workingDayOnOrAfter('2024-09-29')).toBe('2024-09-29');
    });
  });

  it('审查指南 V-7 §2.3: an ordinary weekend moves to Monday; a working day stays', () => {
    expect(workingDayOnOrAfter('2025-03-15')).toBe('2025-03-17');
    expect(workingDayOnOrAfter('2025-03-16')).toBe('2025-03-17');
    expect(workingDayOnOrAfter('2025-03-17')).toBe('2025-03-17');
  });

  it('covers the years the package publishes, from 2004 (the first with data)', () => {
    expect(CALENDAR_COVERAGE.from).toBe(2004);
    expect(CALENDAR_COVERAGE.to).toBeGreaterThanOrEqual(2026);
    expect(calendarCovers('2026-06-01')).toBe(true);
  });

  it('a year the calendar does not cover is a clear error, not a guess from weekdays', () => {
    const year = CALENDAR_COVERAGE.to + 1;
    for (const date of [`${year}-01-01`, `${year}-10-01`, '2003-12-31']) {
      const e = domainErrorOf(() => workingDayOnOrAfter(date));
      expect(e.code).toBe('CALENDAR.YEAR_NOT_COVERED');
      expect(e.message).toContain(`${CALENDAR_COVERAGE.from}–${CALENDAR_COVERAGE.to}`);
    }
    expect(domainErrorOf(() => isWorkingDay(`${year}-05-01`)).code).toBe('CALENDAR.YEAR_NOT_COVERED');
  });

  it('deadlineOf: the working day, or the nominal day marked provisional outside the calendar', () => {
    expect(deadlineOf('2024-10-01')).toEqual({
      date: '2024-10-08',
      nominal: '2024-10-01',
      provisional: false,
    });
    const late = `${CALENDAR_COVERAGE.to + 1}-10-01`;
    expect(deadlineOf(late)).toEqual({ date: late, nominal: late, provisional: true });
  });
});
