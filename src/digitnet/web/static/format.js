// How numbers are written on the page.

/** A probability as a percentage: 0 decimals, 1 near 0% and 100% ("99.8%", "0.2%"). */
export const percent = (p) => `${(100 * p).toFixed(p > 0.995 || p < 0.005 ? 1 : 0)}%`;

/** A number to ``digits`` significant digits, with a real minus sign: "−0.01234", "4.794e−7". */
export function precise(x, digits = 4) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  const plain = x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5);
  const text = plain ? x.toPrecision(digits) : x.toExponential(digits - 1);
  return text.replace("e+", "e").replaceAll("-", "−");
}

/** A signed number with three decimals and a real minus sign: "+0.125", "−1.500". */
export const signed = (x) => (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(3);
