// The time axis: ticks on whole seconds only (three points never get sub-second ticks), labels
// at least a label's width apart so they never overlap, the date added under the first label
// and wherever the day changes.
import { calendarDate, clockTime } from './format.js';

/** Tick steps in seconds, smallest first. */
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
  86400, 2 * 86400, 7 * 86400, 30 * 86400, 365 * 86400];
/** Pixels between two labels: wider than `00:00:00` in the axis font. */
const LABEL_SPACE_PX = 70;
/** The axes' font, as CSS writes it; uPlot scales it to the screen. */
const AXIS_FONT = '11px system-ui, sans-serif';

/** The labels of x ticks. */
function timeLabels(_u, splits, _axisIdx, _space, incr) {
  let day = '';
  return splits.map((s) => {
    const text = incr < 60 ? clockTime(s) : clockTime(s).slice(0, 5);
    const date = calendarDate(s);
    if (incr >= 86400) return date;
    const label = date !== day ? `${text}\n${date}` : text;
    day = date;
    return label;
  });
}

/** uPlot options of the x axis in the colours of the theme. */
export function timeAxis(theme) {
  return {
    space: LABEL_SPACE_PX, incrs: TIME_INCRS, values: timeLabels,
    stroke: theme.text, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 },
    size: 44, font: AXIS_FONT,
  };
}

/** The y axis: as wide as its widest label, so labels never run into the plot or each other. */
export function valueAxis(theme) {
  return {
    font: AXIS_FONT, stroke: theme.text, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 },
    size(u, values) {
      if (!values) return 40;
      u.ctx.font = theme.font;
      const widest = Math.max(...values.map((v) => u.ctx.measureText(String(v)).width));
      return Math.ceil(widest / devicePixelRatio) + 18;
    },
  };
}
