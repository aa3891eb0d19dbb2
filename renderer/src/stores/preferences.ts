/** What the user chose for this app on this machine; the theme follows the OS unless they pick one. */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'noticeboard.theme';

function stored(): ThemeChoice {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

export const usePreferencesStore = defineStore('preferences', () => {
  const theme = ref<ThemeChoice>(stored());
  watch(theme, (v) => localStorage.setItem(KEY, v));
  return { theme };
});
