//! Medians, quartiles and per-round ratios.

use std::fmt;

/// The distribution of a set of samples: median, quartiles, extremes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub n: usize,
    /// Smallest sample.
    pub min: f64,
    /// First quartile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub p75: f64,
    /// Largest sample.
    pub max: f64,
}

/// The `q` quantile (0..=1) of sorted samples, by linear interpolation.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

impl Summary {
    /// Summarises `samples`; `None` if there are none (or a NaN).
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|x| x.is_nan()) {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        Some(Summary {
            n: s.len(),
            min: s[0],
            p25: quantile(&s, 0.25),
            median: quantile(&s, 0.5),
            p75: quantile(&s, 0.75),
            max: s[s.len() - 1],
        })
    }

    /// The interquartile range relative to the median.
    pub fn rel_iqr(&self) -> f64 {
        (self.p75 - self.p25) / self.median
    }
}

/// The per-round ratios `a[i] / b[i]` of two paired sample series (same rounds).
pub fn paired_ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x / y).collect()
}

/// Displays a rate summary as `median (IQR p25–p75)` with `digits` decimals.
pub struct Rate<'a>(pub &'a Summary, pub usize);

impl fmt::Display for Rate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, d) = (self.0, self.1);
        write!(f, "{:.d$} ({:.d$}–{:.d$})", s.median, s.p25, s.p75)
    }
}

/// Displays a ratio summary as `median [p25–p75] (min–max)`.
pub struct Ratio<'a>(pub &'a Summary);

impl fmt::Display for Ratio<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(f, "**{:.3}** [{:.3}–{:.3}] ({:.2}–{:.2})", s.median, s.p25, s.p75, s.min, s.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_of_five_and_four() {
        let s = Summary::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.min, s.p25, s.median, s.p75, s.max), (1.0, 2.0, 3.0, 4.0, 5.0));
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!((s.p25, s.median, s.p75), (1.75, 2.5, 3.25));
        assert!(Summary::of(&[]).is_none());
        assert_eq!(paired_ratios(&[2.0, 3.0], &[1.0, 6.0]), vec![2.0, 0.5]);
    }
}
