/**
 * The theme's colours as CSS variables on the document root, so plain CSS
 * (including in dialogs and panels, which are teleported out of the page)
 * follows the light and dark themes: var(--nb-warning), var(--nb-error-soft)...
 */
import { watchEffect } from 'vue';
import { useThemeVars } from 'naive-ui';

export function useThemeCssVars(): void {
  const vars = useThemeVars();
  watchEffect(() => {
    const v = vars.value;
    const root = document.documentElement.style;
    const set = (name: string, value: string) => root.setProperty(`--nb-${name}`, value);
    const soft = (c: string, pct: number) => `color-mix(in srgb, ${c} ${pct}%, transparent)`;
    set('primary', v.primaryColor);
    set('success', v.successColor);
    set('warning', v.warningColor);
    set('error', v.errorColor);
    set('info', v.infoColor);
    set('text-1', v.textColor1);
    set('text-3', v.textColor3);
    set('border', v.borderColor);
    set('divider', v.dividerColor);
    set('card', v.cardColor);
    set('modal', v.modalColor);
    set('primary-soft', soft(v.primaryColor, 14));
    set('success-soft', soft(v.successColor, 16));
    set('warning-soft', soft(v.warningColor, 14));
    set('error-soft', soft(v.errorColor, 12));
    set('row-focus', soft(v.primaryColor, 12));
    set('row-focus-edge', v.primaryColor);
  });
}
