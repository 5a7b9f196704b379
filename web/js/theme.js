// Colours for the canvases: CSS cannot reach into uPlot's canvas, so the theme's colours are
// read from the CSS variables of the page, which follow the system's light or dark setting.

/** The dimension colours, netdata's palette. */
export const COLORS = ['#3366cc', '#dc3912', '#ff9900', '#109618', '#990099', '#3b3eac', '#0099c6', '#dd4477',
  '#66aa00', '#b82e2e', '#316395', '#994499', '#22aa99', '#aaaa11', '#6633cc', '#e67300'];

/** The theme's canvas colours now. */
export function currentTheme() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return { text: v('--muted'), grid: v('--grid'), gap: v('--gap'), font: `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`,
    dark: matchMedia('(prefers-color-scheme: dark)').matches };
}

/** Calls `onChange` when the system switches between light and dark. */
export function onThemeChange(onChange) {
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', onChange);
}
