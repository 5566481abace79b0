//! The parser never panics: every corpus query, mutated by deleting,
//! duplicating and swapping pieces and by truncating it, must parse or give
//! a diagnostic. Mutations are drawn from a fixed seed, so a failure
//! reproduces.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use calypso_syntax::parse;
use serde_json::Value;

/// xorshift64*: small and seeded.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

/// Pieces of a query: runs of word characters, of spaces, or one other
/// character — roughly its tokens.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let k = class(c);
        let end = if k == 2 {
            i + c.len_utf8()
        } else {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if class(d) != k {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            end
        };
        out.push(&text[start.max(i)..end]);
        start = end;
    }
    out
}

fn mutate(query: &str, rng: &mut Rng) -> Vec<String> {
    let p = pieces(query);
    if p.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for _ in 0..3 {
        let i = rng.below(p.len());
        let mut deleted = p.clone();
        deleted.remove(i);
        out.push(deleted.concat());
        let mut doubled = p.clone();
        doubled.insert(i, p[i]);
        out.push(doubled.concat());
        let j = rng.below(p.len());
        let mut swapped = p.clone();
        swapped.swap(i, j);
        out.push(swapped.concat());
        out.push(p[..rng.below(p.len())].concat());
    }
    out
}

#[test]
fn mutated_corpus_queries_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let mut rng = Rng(0x5eed_cafe);
    let mut n = 0;
    for file in ["azure-sentinel-hunting.jsonl", "reprise99.jsonl"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("the corpus is readable");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let record: Value = serde_json::from_str(line).expect("corpus records are JSON");
            let query = record["query"].as_str().expect("a query");
            for mutant in mutate(query, &mut rng) {
                let outcome = catch_unwind(AssertUnwindSafe(|| parse(&mutant).is_ok()));
                assert!(
                    outcome.is_ok(),
                    "the parser panicked on a mutant of {}:\n{mutant}",
                    record["id"]
                );
                n += 1;
            }
        }
    }
    assert!(n > 20_000, "only {n} mutants");
}

#[test]
fn deep_and_odd_inputs_give_errors() {
    for src in [
        "(".repeat(100_000),
        "T | where ".to_owned() + &"-".repeat(100_000) + "1",
        "dynamic(".to_owned() + &"[".repeat(50_000),
        "T | extend x = ".to_owned() + &"f(".repeat(50_000),
        "\"".to_owned(),
        "T | project ['a".to_owned(),
        "datetime(".to_owned(),
        "\u{0}\u{feff}|".to_owned(),
    ] {
        let outcome = catch_unwind(|| parse(&src).is_ok());
        assert_eq!(outcome.ok(), Some(false), "{}", &src[..src.len().min(40)]);
    }
}
