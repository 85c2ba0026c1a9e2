import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EChartsCoreOption, ECharts } from 'echarts/core';
import { ApiError, type FieldError } from './api';
import { useT } from './i18n';

export type Async<T> =
  { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; error: ApiError | Error };

/** Runs `load` whenever one of `deps` changes; the latest run wins. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): [Async<T>, () => void] {
  const [result, setResult] = useState<Async<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setResult({ state: 'loading' });
    load().then(
      (value) => live && setResult({ state: 'ok', value }),
      (error: Error) => live && setResult({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return [result, () => setTick((n) => n + 1)];
}

export function Loadable<T>({ value, children }: { value: Async<T>; children: (v: T) => ComponentChildren }) {
  const t = useT();
  if (value.state === 'loading') return <p aria-busy="true">{t('loading')}</p>;
  if (value.state === 'error') return <ErrorNote error={value.error} />;
  return <>{children(value.value)}</>;
}

export function ErrorNote({ error }: { error: Error }) {
  const t = useT();
  const denied = error instanceof ApiError && error.status === 403;
  return (
    <p role="alert" class="error">
      {denied ? t('denied') : `${t('error')}: ${error.message}`}
      {error instanceof ApiError ? ` (${error.code})` : ''}
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const t = useT();
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      {t(`status.${status}`)}
    </span>
  );
}

export function Card({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const hid = `${id ?? title.replace(/\W+/g, '-')}-h`;
  return (
    <section class="card" aria-labelledby={hid} id={id}>
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}

let fieldSeq = 0;
/** A labelled control with the api's validation message for its field shown beside it. */
export function Field({
  label,
  name,
  errors,
  children,
}: {
  label: string;
  name: string;
  errors?: FieldError[];
  children: (props: {
    id: string;
    name: string;
    'aria-invalid'?: 'true';
    'aria-describedby'?: string;
  }) => ComponentChildren;
}) {
  const [id] = useState(() => `f-${name.replace(/\W+/g, '-')}-${++fieldSeq}`);
  // Its own field, a member of it, or the object it is a member of (`improvementNeeds` for `improvementNeeds.level`).
  const mine = (errors ?? []).filter(
    (e) => e.field === name || e.field.startsWith(`${name}.`) || name.startsWith(`${e.field}.`),
  );
  const props = {
    id,
    name,
    ...(mine.length > 0 ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${id}-err` } : {}),
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(props)}
      {mine.length > 0 && (
        <span class="field-error" id={`${id}-err`} data-field-error={name}>
          {mine.map((e) => e.message).join('; ')}
        </span>
      )}
    </div>
  );
}

/**
 * What an ECharts instance holds after setOption (its own getOption): the category axis and each
 * series' data, kept on the element as `data-drawn` for tests.
 */
function markDrawn(el: HTMLElement, c: ECharts): void {
  const o = c.getOption() as { xAxis?: { data?: unknown[] }[]; series?: { data?: unknown[] }[] };
  el.dataset['drawn'] = JSON.stringify({
    x: o.xAxis?.[0]?.data ?? null,
    series: (o.series ?? []).map((s) => s.data ?? []),
  });
}

/** An ECharts chart (SVG renderer) whose data is also kept on the element for tests and screen readers. */
export function Chart({
  option,
  label,
  data,
  height = 320,
}: {
  option: EChartsCoreOption;
  label: string;
  data: unknown;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const latest = useRef(option);
  latest.current = option;
  useEffect(() => {
    // ECharts loads after the first paint (a chunk of its own): tables and tiles show at once.
    let c: ECharts | null = null;
    let live = true;
    const resize = () => c?.resize();
    void import('./charts').then(({ echarts }) => {
      if (!live || !ref.current) return;
      c = echarts.init(ref.current, undefined, { renderer: 'svg' });
      chart.current = c;
      c.setOption(latest.current, true);
      markDrawn(ref.current, c);
      window.addEventListener('resize', resize);
    });
    return () => {
      live = false;
      window.removeEventListener('resize', resize);
      c?.dispose();
    };
  }, []);
  useEffect(() => {
    if (!chart.current || !ref.current) return;
    chart.current.setOption(option, true);
    markDrawn(ref.current, chart.current);
  }, [option]);
  return (
    <figure class="chart">
      <div
        ref={ref}
        role="img"
        aria-label={label}
        data-chart={JSON.stringify(data)}
        style={{ height: `${height}px` }}
      />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** One Idempotency-Key per form submission, kept across a double click and retries until the form changes. */
export function useSubmission() {
  const key = useRef<string | null>(null);
  const busy = useRef(false);
  const [submitting, setSubmitting] = useState(false);
  return {
    submitting,
    /** Forget the key: the next submit is a new submission. */
    reset() {
      key.current = null;
    },
    async run<R>(prefix: string, fn: (key: string) => Promise<R>): Promise<R | undefined> {
      key.current ??= `${prefix}-${crypto.randomUUID()}`;
      if (busy.current) return undefined;
      busy.current = true;
      setSubmitting(true);
      try {
        return await fn(key.current);
      } finally {
        busy.current = false;
        setSubmitting(false);
      }
    },
  };
}

export const today = (): string => {
  // The programme's calendar is China's (UTC+8).
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
};

export const fmtPercent = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : `${v}%`;
