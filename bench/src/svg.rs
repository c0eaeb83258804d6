//! The ratio plot: one panel per setup; per batch size, ring-core's per-round rate divided by
//! each peer's, as the median (dot), the interquartile range (thick bar) and the extremes
//! (thin line), over a dashed line at 1 (equal speed).

use std::fmt::Write as _;

use crate::libs::Lib;
use crate::nop::NopResults;
use crate::setup::Setup;

const SERIES: [(Lib, Lib, &str, &str); 3] = [
    (Lib::RingCore, Lib::Liburing, "ring-core ÷ liburing", "#1f77b4"),
    (Lib::RingCore, Lib::IoUring, "ring-core ÷ io-uring 0.7", "#ff7f0e"),
    (Lib::RingCoreBatch, Lib::Liburing, "ring-core (acquire_batch) ÷ liburing", "#2ca02c"),
];

/// The SVG document for `r`, with `subtitle` under the title (command, date, machine).
pub fn ratio_plot(r: &NopResults, subtitle: &str) -> String {
    let setups: Vec<Setup> = r.notes.iter().map(|(s, _)| *s).collect();
    let batches: Vec<u32> = {
        let mut b: Vec<u32> = r.cells.iter().map(|c| c.batch).collect();
        b.sort_unstable();
        b.dedup();
        b
    };
    let (mut lo, mut hi) = (1.0f64, 1.0f64);
    for c in &r.cells {
        for (a, b, _, _) in SERIES {
            if let Some(s) = c.ratio(a, b) {
                lo = lo.min(s.p25);
                hi = hi.max(s.p75);
            }
        }
    }
    // The axis spans the interquartile ranges; min–max lines are clipped at the panel edge.
    let lo = ((lo.max(0.5) - 0.02) * 20.0).floor() / 20.0;
    let hi = ((hi.min(2.0) + 0.02) * 20.0).ceil() / 20.0;
    let (left, width, panel_h, gap, top) = (70.0, 820.0, 150.0, 46.0, 92.0);
    let height = top + setups.len() as f64 * (panel_h + gap) + 30.0;
    let total_w = left + width + 30.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" viewBox="0 0 {total_w} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="22" font-size="16" font-weight="bold">NOP round trips: ring-core's rate ÷ each peer's (above 1: ring-core faster)</text>"#
    );
    let _ = writeln!(s, r##"<text x="{left}" y="40" fill="#555">{}</text>"##, esc(subtitle));
    let _ = writeln!(
        s,
        r##"<text x="{left}" y="{}" fill="#555">dot: median of per-round ratios; bar: interquartile range; line: min–max (clipped at the panel edge)</text>"##,
        height - 10.0
    );
    for (i, (_, _, name, color)) in SERIES.iter().enumerate() {
        let x = left + i as f64 * 250.0;
        let _ = writeln!(
            s,
            r#"<circle cx="{}" cy="62" r="5" fill="{color}"/><text x="{}" y="66">{}</text>"#,
            x + 5.0,
            x + 14.0,
            esc(name)
        );
    }
    let y_of = |v: f64, y0: f64| y0 + panel_h * (hi - v.clamp(lo, hi)) / (hi - lo);
    for (p, setup) in setups.iter().enumerate() {
        let y0 = top + p as f64 * (panel_h + gap);
        let _ = writeln!(
            s,
            r#"<text x="{left}" y="{}" font-weight="bold">{}</text>"#,
            y0 - 8.0,
            esc(setup.label())
        );
        let _ = writeln!(
            s,
            r##"<rect x="{left}" y="{y0}" width="{width}" height="{panel_h}" fill="none" stroke="#999"/>"##
        );
        let mut t = lo;
        let step = if hi - lo > 0.6 {
            0.2
        } else if hi - lo > 0.3 {
            0.1
        } else {
            0.05
        };
        t = (t / step).ceil() * step;
        while t <= hi + 1e-9 {
            let y = y_of(t, y0);
            let _ = writeln!(
                s,
                r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" text-anchor="end">{t:.2}</text>"##,
                left + width,
                left - 6.0,
                y + 4.0
            );
            t += step;
        }
        let y1 = y_of(1.0, y0);
        let _ = writeln!(
            s,
            r#"<line x1="{left}" x2="{}" y1="{y1:.1}" y2="{y1:.1}" stroke="black" stroke-dasharray="5,4"/>"#,
            left + width
        );
        let group = width / batches.len() as f64;
        for (g, &batch) in batches.iter().enumerate() {
            let gx = left + g as f64 * group;
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">batch {batch}</text>"#,
                gx + group / 2.0,
                y0 + panel_h + 16.0
            );
            let Some(c) = r.cells.iter().find(|c| c.setup == *setup && c.batch == batch) else {
                continue;
            };
            for (k, (a, b, _, color)) in SERIES.iter().enumerate() {
                let Some(q) = c.ratio(*a, *b) else { continue };
                let x = gx + group * (0.3 + 0.2 * k as f64);
                let _ = writeln!(
                    s,
                    r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="1"/>"#,
                    y_of(q.max, y0),
                    y_of(q.min, y0)
                );
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="6" height="{:.1}" fill="{color}" opacity="0.45"/>"#,
                    x - 3.0,
                    y_of(q.p75, y0),
                    (y_of(q.p25, y0) - y_of(q.p75, y0)).max(0.5)
                );
                let _ = writeln!(
                    s,
                    r#"<circle cx="{x:.1}" cy="{:.1}" r="3.5" fill="{color}"><title>{}: median {:.3}, IQR {:.3}–{:.3}, min–max {:.3}–{:.3}</title></circle>"#,
                    y_of(q.median, y0),
                    esc(SERIES[k].2),
                    q.median,
                    q.p25,
                    q.p75,
                    q.min,
                    q.max
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
