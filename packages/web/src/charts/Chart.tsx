import type { EChartsCoreOption, EChartsType } from 'echarts/core';
import { useEffect, useRef, useState } from 'react';

export type ChartOption = EChartsCoreOption;

let echarts: Promise<typeof import('./echarts')> | null = null;
/** Starts loading ECharts (once); pages with a chart call it early so it is there when data is. */
export function preloadCharts(): Promise<typeof import('./echarts')> {
  echarts ??= import('./echarts');
  return echarts;
}

/**
 * An ECharts chart that fills its width and follows its size. ECharts is loaded on demand, so a
 * page without a chart never downloads it.
 */
export function Chart({ option, height, testId }: { option: ChartOption; height: number; testId?: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<EChartsType | null>(null);

  useEffect(() => {
    let created: EChartsType | null = null;
    let observer: ResizeObserver | null = null;
    let unmounted = false;
    void preloadCharts().then(({ init }) => {
      if (unmounted || !container.current) return;
      const c = init(container.current, undefined, { renderer: 'canvas' });
      created = c;
      observer = new ResizeObserver(() => c.resize());
      observer.observe(container.current);
      setChart(c);
    });
    return () => {
      unmounted = true;
      observer?.disconnect();
      created?.dispose();
      setChart(null);
    };
  }, []);

  useEffect(() => {
    chart?.setOption(option, { notMerge: true });
  }, [chart, option]);

  return <div ref={container} style={{ width: '100%', height }} data-testid={testId} />;
}
