//! What the measuring tools (`src/bin/`) report figures with.

use std::time::Duration;

/// Nearest-rank percentile of unsorted values; the default when there are none.
///
/// ```
/// use goblet_bench::stats::percentile;
/// assert_eq!(percentile(&[3.0, 1.0, 2.0, 4.0], 50.0), 2.0);
/// assert_eq!(percentile(&[3, 1, 2, 4], 100.0), 4);
/// assert_eq!(percentile(&[3, 1, 2, 4], 0.0), 1);
/// assert_eq!(percentile::<u32>(&[], 50.0), 0);
/// ```
pub fn percentile<T: Copy + PartialOrd + Default>(values: &[T], p: f64) -> T {
    let mut sorted = values.to_vec();
    // Incomparable values (NaN) sort as equal: they are never measured.
    sorted.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration in milliseconds, two decimals.
///
/// ```
/// assert_eq!(goblet_bench::stats::ms(std::time::Duration::from_micros(1_234)), "1.23 ms");
/// ```
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
