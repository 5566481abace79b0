//! Any text gives a tree or diagnostics, never a panic or a stack overflow;
//! recovery reports at least one error whenever plain parsing fails.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let whole = calypso_syntax::parse(text);
    let (_, errors) = calypso_syntax::parse_recovering(text);
    assert_eq!(whole.is_err(), !errors.is_empty());
    if let Err(e) = whole {
        // A diagnostic points inside the text.
        assert!(e.span().end <= text.len());
    }
});
