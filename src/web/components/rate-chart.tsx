/**
 * A small chart of a failure rate per day, drawn by uPlot (loaded with this
 * file, which only the testcase page imports, so other pages do not carry it).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DayRate } from '../pages/rates.ts';

export default function RateChart({ rates }: { rates: readonly DayRate[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    // A day without results has no rate: a gap, not a 0 %.
    const data: uPlot.AlignedData = [rates.map((r) => r.day), rates.map((r) => (r.total === 0 ? null : (100 * r.failed) / r.total))];
    const plot = new uPlot(
      {
        width: Math.max(240, Math.min(720, element.clientWidth)),
        height: 180,
        // Half a day either side, so that today's point is not cut at the edge.
        scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] }, y: { range: [0, 100] } },
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
        series: [{}, { label: 'failed %', stroke: '#b3261e', fill: 'rgba(179,38,30,0.12)', points: { show: true }, spanGaps: false }],
        legend: { show: false },
      },
      data,
      element,
    );
    return () => plot.destroy();
  }, [rates]);
  const withResults = rates.filter((r) => r.total > 0).length;
  return (
    <div
      ref={box}
      class="chart"
      role="img"
      aria-label={`Failure rate per day over the last ${rates.length} days, with results on ${withResults} day${withResults === 1 ? '' : 's'}`}
    />
  );
}
