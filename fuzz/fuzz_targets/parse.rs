//! Any text gives a tree or diagnostics, never a panic or a stack overflow;
//! recovery reports at least one error whenever plain parsing fails; and a
//! tree printed back to KQL parses again to the same tree, spans aside.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The tree's debug form with every span blanked.
fn shape(script: &calypso_syntax::ast::Script) -> String {
    let debug = format!("{script:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        let close = rest[at..].find('}').expect("a span's debug form closes");
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let whole = calypso_syntax::parse(text);
    let (_, errors) = calypso_syntax::parse_recovering(text);
    assert_eq!(whole.is_err(), !errors.is_empty());
    match whole {
        Err(e) => {
            // A diagnostic points inside the text.
            assert!(e.span().end <= text.len());
        }
        Ok(tree) => {
            let printed = calypso_syntax::print::script(&tree);
            let again = calypso_syntax::parse(&printed)
                .unwrap_or_else(|e| panic!("printed text does not parse: {e}\n{printed}"));
            assert_eq!(shape(&again), shape(&tree), "printed:\n{printed}");
        }
    }
});
