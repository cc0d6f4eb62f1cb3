//! Prints the median time, in nanoseconds, of parsing the Shopify orders/create fixture into a
//! `serde_json::Value` without `preserve_order`; `../run.sh` hands it to `jsonpath-compare`.

use std::hint::black_box;
use std::time::{Duration, Instant};

const ORDER: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/fixtures/webhooks/shopify/orders-create.json");

fn main() {
    let bytes = std::fs::read(ORDER).expect("the Shopify fixture");
    let parse = || black_box(serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap());
    // Same sampling as jsonpath-compare's `median_ns`: 31 samples of about 2 ms.
    let start = Instant::now();
    let mut calibration = 0u64;
    while start.elapsed() < Duration::from_millis(20) {
        parse();
        calibration += 1;
    }
    let per_sample = (calibration / 10).max(1);
    let mut samples: Vec<f64> = (0..31)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_sample {
                parse();
            }
            start.elapsed().as_nanos() as f64 / per_sample as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    println!("{:.0}", samples[samples.len() / 2]);
}
