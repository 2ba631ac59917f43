import { useMemo } from 'react';
import type { ThresholdFigures } from '../../api/coverage';
import { Chart, type ChartOption } from '../../charts/Chart';

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
  const option = useMemo<ChartOption>(() => {
    const pct = (x: number) => Math.round(x * 1000) / 10;
    return {
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
    };
  }, [thresholds, bandLabel, addressesLabel, roadsLabel]);

  return <Chart option={option} height={height} testId="coverage-chart" />;
}
