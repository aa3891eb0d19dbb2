/** The workload simulator's navigation icon, drawn like the others in components/icons.ts. */
import { h, type FunctionalComponent } from 'vue';

export const WorkloadIcon: FunctionalComponent = () =>
  h(
    'svg',
    {
      viewBox: '0 0 24 24',
      width: '1em',
      height: '1em',
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': 1.8,
      'stroke-linecap': 'round',
      'stroke-linejoin': 'round',
      'aria-hidden': 'true',
    },
    ['M3 12h4l3-8 4 16 3-8h4'].map((d) => h('path', { d })),
  );
