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
    const data: uPlot.AlignedData = [rates.map((r) => r.day), rates.map((r) => (r.total === 0 ? 0 : (100 * r.failed) / r.total))];
    const plot = new uPlot(
      {
        width: Math.max(240, Math.min(720, element.clientWidth)),
        height: 180,
        // One day alone would make a zero-wide axis: a day either side of it.
        scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 86_400, max + 86_400] : [min, max]) }, y: { range: [0, 100] } },
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
        series: [{}, { label: 'failed %', stroke: '#b3261e', fill: 'rgba(179,38,30,0.12)', points: { show: true } }],
        legend: { show: false },
      },
      data,
      element,
    );
    return () => plot.destroy();
  }, [rates]);
  return <div ref={box} class="chart" role="img" aria-label={`Failure rate per day over ${rates.length} day${rates.length === 1 ? '' : 's'}`} />;
}
