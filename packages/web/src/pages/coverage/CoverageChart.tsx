import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { ThresholdFigures } from './api';

use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type CoverageChartProps = {
  thresholds: readonly ThresholdFigures[];
  bandLabel: (seconds: number) => string;
  addressesLabel: string;
  roadsLabel: string;
  height?: number;
};

/** Address and road-length shares per time limit, as grouped bars (percent). */
export function CoverageChart({
  thresholds,
  bandLabel,
  addressesLabel,
  roadsLabel,
  height = 180,
}: CoverageChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  useEffect(() => {
    if (!container.current) return;
    const created = init(container.current, undefined, { renderer: 'canvas' });
    chart.current = created;
    const observer = new ResizeObserver(() => created.resize());
    observer.observe(container.current);
    return () => {
      observer.disconnect();
      created.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const pct = (x: number) => Math.round(x * 1000) / 10;
    chart.current?.setOption(
      {
        animation: false,
        grid: { left: 36, right: 8, top: 28, bottom: 22 },
        legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 12 } },
        tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${String(v)}%` },
        xAxis: { type: 'category', data: thresholds.map((t) => bandLabel(t.seconds)) },
        yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
        series: [
          {
            name: addressesLabel,
            type: 'bar',
            data: thresholds.map((t) => pct(t.addressShare)),
            itemStyle: { color: '#1677ff' },
            barMaxWidth: 24,
          },
          {
            name: roadsLabel,
            type: 'bar',
            data: thresholds.map((t) => pct(t.roadLengthShare)),
            itemStyle: { color: '#52c41a' },
            barMaxWidth: 24,
          },
        ],
      },
      { notMerge: true },
    );
  }, [thresholds, bandLabel, addressesLabel, roadsLabel]);

  return <div ref={container} style={{ width: '100%', height }} data-testid="coverage-chart" />;
}
