// How numbers are written on the page.

/** A probability as a percentage: 0 decimals, 1 near 0% and 100% ("99.8%", "0.2%"). */
export const percent = (p) => `${(100 * p).toFixed(p > 0.995 || p < 0.005 ? 1 : 0)}%`;

/** A signed number with three decimals and a real minus sign: "+0.125", "−1.500". */
export const signed = (x) => (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(3);
