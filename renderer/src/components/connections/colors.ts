/** The colour labels a connection carries (core/api's CONNECTION_COLORS), as CSS colours readable in both themes. */
import type { ConnectionColor } from '@core/api/api';

export const COLOR_CSS: Record<ConnectionColor, string> = {
  grey: '#8a8f98',
  blue: '#2f7de1',
  green: '#2e9e5b',
  orange: '#e08a1e',
  red: '#d64545',
  purple: '#8b5cd6',
};
