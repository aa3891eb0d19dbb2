/** The replica map's navigation icon (a grid of cells), drawn like the others in icons.ts. */
import { h, type FunctionalComponent } from 'vue';

export const ReplicaMapIcon: FunctionalComponent = () =>
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
    [
      h('rect', { x: 3.5, y: 4, width: 17, height: 16, rx: 1.5 }),
      h('path', { d: 'M3.5 9.3h17M3.5 14.7h17M9.2 4v16M14.8 4v16' }),
      h('rect', { x: 4.6, y: 5.1, width: 3.5, height: 3.1, fill: 'currentColor', stroke: 'none' }),
      h('rect', { x: 15.9, y: 10.45, width: 3.5, height: 3.1, fill: 'currentColor', stroke: 'none' }),
    ],
  );
