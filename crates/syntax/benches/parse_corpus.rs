//! Parse speed: the whole corpus, and one query repeated to show that the
//! time grows linearly with the text. Run with
//! `cargo bench -p calypso-syntax --bench parse_corpus`; docs/benchmarks.md
//! records the figures.

#![allow(clippy::print_stdout)] // A benchmark's job is to print its figures.

use std::path::Path;
use std::time::{Duration, Instant};

/// The fastest of `runs` timings of `f`.
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .expect("at least one run")
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let mut queries = Vec::new();
    for file in ["azure-sentinel-hunting.jsonl", "reprise99.jsonl"] {
        let text = std::fs::read_to_string(corpus.join(file)).expect("the corpus is readable");
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("a JSON record");
            queries.push(record["query"].as_str().expect("a query").to_owned());
        }
    }
    let bytes: usize = queries.iter().map(String::len).sum();
    let time = best_of(10, || {
        for q in &queries {
            std::hint::black_box(calypso_syntax::parse(std::hint::black_box(q)).ok());
        }
    });
    println!(
        "corpus: {} queries, {:.2} MB, parsed in {:.1} ms ({:.1} MB/s, {:.1} µs a query)",
        queries.len(),
        bytes as f64 / 1e6,
        time.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / time.as_secs_f64(),
        time.as_secs_f64() * 1e6 / queries.len() as f64,
    );

    // One long detection as a statement repeated: time a byte should stay flat.
    let query = queries.iter().max_by_key(|q| q.len()).expect("a query");
    let statement = format!("let x = {{ {query} }};\n");
    println!("growth (a {}-byte statement repeated):", statement.len());
    for copies in [1, 4, 16, 64] {
        let text = statement.repeat(copies) + "print 1";
        let time = best_of(5, || {
            std::hint::black_box(calypso_syntax::parse(std::hint::black_box(&text)).ok());
        });
        println!(
            "  {copies:>3} copies, {:>8} bytes: {:>8.2} ms, {:.1} ns a byte",
            text.len(),
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() * 1e9 / text.len() as f64
        );
    }
}
