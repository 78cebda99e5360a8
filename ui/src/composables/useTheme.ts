import { ref, watchEffect } from 'vue';

export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'windflow.theme';

function initialTheme(): Theme {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

const theme = ref<Theme>(initialTheme());
watchEffect(() => document.documentElement.classList.toggle('dark', theme.value === 'dark'));

/** Light or dark: follows the system until the person picks one, then remembers the pick. */
export function useTheme() {
  return {
    theme,
    toggle() {
      theme.value = theme.value === 'dark' ? 'light' : 'dark';
      localStorage.setItem(STORAGE_KEY, theme.value);
    },
  };
}
