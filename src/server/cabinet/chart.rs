//! The dashboard's chart: accrued, spent and expired bonuses per day as grouped bars in SVG,
//! drawn here from the figures the store gives; it holds numbers and dates only.

use crate::backend::embedded::OwnerDay;
use rust_decimal::prelude::ToPrimitive;
use std::fmt::Write;

const W: f64 = 900.0;
const H: f64 = 260.0;
const PAD_L: f64 = 56.0;
const PAD_B: f64 = 24.0;
pub const COLORS: [&str; 3] = ["#2e7d32", "#1565c0", "#c62828"];

fn value(d: &rust_decimal::Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0).max(0.0)
}

/// The SVG (`labels`: accrued, spent, expired in the page's language).
pub fn svg(days: &[OwnerDay], labels: [&str; 3]) -> String {
    let max = days
        .iter()
        .flat_map(|d| [value(&d.accrued), value(&d.spent), value(&d.expired)])
        .fold(0.0f64, f64::max)
        .max(1.0);
    let n = days.len().max(1) as f64;
    let slot = (W - PAD_L) / n;
    let bar = (slot / 3.0).max(0.5);
    let plot_h = H - PAD_B - 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" class="chart">"#
    );
    for i in 0..=4 {
        let y = 8.0 + plot_h * f64::from(i) / 4.0;
        let v = max * f64::from(4 - i) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{PAD_L}" y1="{y:.1}" x2="{W}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{v:.0}</text>"##,
            PAD_L - 4.0,
            y + 4.0
        );
    }
    for (i, d) in days.iter().enumerate() {
        let x0 = PAD_L + slot * i as f64;
        for (k, v) in [value(&d.accrued), value(&d.spent), value(&d.expired)]
            .into_iter()
            .enumerate()
        {
            if v > 0.0 {
                let h = plot_h * v / max;
                let _ = write!(
                    s,
                    r#"<rect x="{:.2}" y="{:.2}" width="{bar:.2}" height="{h:.2}" fill="{}"><title>{} {}: {v}</title></rect>"#,
                    x0 + bar * k as f64,
                    8.0 + plot_h - h,
                    COLORS[k],
                    d.date,
                    labels[k]
                );
            }
        }
        if i % 15 == 0 {
            let _ = write!(
                s,
                r#"<text x="{x0:.1}" y="{}" font-size="11">{}</text>"#,
                H - 6.0,
                d.date.get(5..).unwrap_or(&d.date)
            );
        }
    }
    s.push_str("</svg>");
    s
}
