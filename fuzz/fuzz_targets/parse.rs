//! Any text gives a tree or diagnostics, never a panic or a stack overflow;
//! recovery reports at least one error whenever plain parsing fails; and a
//! tree printed back to KQL parses again to the same tree, spans aside.
#![no_main]

use libfuzzer_sys::fuzz_target;

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
            assert_eq!(calypso_syntax::print::shape(&again), calypso_syntax::print::shape(&tree), "printed:\n{printed}");
        }
    }
});
