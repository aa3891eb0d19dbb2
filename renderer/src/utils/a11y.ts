/**
 * Names for the few controls Naive UI draws without one. `v-stepper-labels="'Partitions'"`
 * on an NInputNumber names its − and + buttons "Decrease Partitions" and
 * "Increase Partitions", so a screen reader says what they do.
 */
import type { Directive } from 'vue';

function labelSteppers(el: HTMLElement, what: string): void {
  const buttons = el.querySelectorAll('button');
  if (buttons.length < 2) return;
  buttons[buttons.length - 2]!.setAttribute('aria-label', `Decrease ${what}`);
  buttons[buttons.length - 1]!.setAttribute('aria-label', `Increase ${what}`);
}

export const vStepperLabels: Directive<HTMLElement, string> = {
  mounted: (el, binding) => labelSteppers(el, binding.value),
  updated: (el, binding) => labelSteppers(el, binding.value),
};
